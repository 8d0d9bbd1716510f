package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;

/** Plain prompt tuning passes the plugin contract. */
class PromptTuningPluginTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new PromptTuningPlugin();
    }
}
