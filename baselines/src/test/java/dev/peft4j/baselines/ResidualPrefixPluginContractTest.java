package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** residual-prefix (the residual bottleneck MLP over prefix vectors) passes the plugin contract, checked on its layer outputs. */
class ResidualPrefixPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new ResidualPrefixPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("bottleneck", 4);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("bottleneck", "0"), Map.of("activation", "swish"), Map.of("dropout", "1"));
    }
}
