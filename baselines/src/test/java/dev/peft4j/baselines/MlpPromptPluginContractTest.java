package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** The MLP without skip connection passes the plugin contract. */
class MlpPromptPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new MlpPromptPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("bottleneck", 12, "activation", "gelu");
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("bottleneck", "0"), Map.of("bottleneck", "-3"), Map.of("dropout", "1"),
                Map.of("dropout", "-0.1"), Map.of("activation", "swish"), Map.of("layer-norm", "maybe"));
    }
}
