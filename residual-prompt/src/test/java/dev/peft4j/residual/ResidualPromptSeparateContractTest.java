package dev.peft4j.residual;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.Map;

/**
 * Residual Prompt Tuning with one MLP per token, GELU and dropout passes the plugin contract
 * (dropout exercises the seeded training path of the resume check).
 */
class ResidualPromptSeparateContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new ResidualPromptPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("bottleneck", 7, "separate", true, "activation", "gelu", "dropout", "0.1");
    }
}
