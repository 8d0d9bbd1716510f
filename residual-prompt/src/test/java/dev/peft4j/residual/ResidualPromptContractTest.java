package dev.peft4j.residual;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** Residual Prompt Tuning with one shared MLP passes the plugin contract. */
class ResidualPromptContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new ResidualPromptPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("bottleneck", 12);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("bottleneck", "0"), Map.of("bottleneck", -5), Map.of("dropout", "1"),
                Map.of("dropout", "-0.01"), Map.of("activation", "swish"), Map.of("separate", "sometimes"),
                Map.of("residual", 3));
    }
}
