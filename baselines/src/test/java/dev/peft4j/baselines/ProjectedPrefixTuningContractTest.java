package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** prefix-tuning with PEFT's projection MLP passes the plugin contract, checked on its layer outputs. */
class ProjectedPrefixTuningContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new PrefixTuningPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("projection", true, "projection-hidden", 5);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of();
    }
}
