package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** prefix-tuning without projection (the prefix table) passes the plugin contract, checked on its layer outputs. */
class PrefixTuningPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new PrefixTuningPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of();
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("projection-hidden", "-1"), Map.of("projection", "maybe"));
    }
}
