package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.Map;

/** P-tuning with the MLP encoder passes the plugin contract. */
class PTuningMlpContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new PTuningPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("hidden-size", 10);
    }
}
