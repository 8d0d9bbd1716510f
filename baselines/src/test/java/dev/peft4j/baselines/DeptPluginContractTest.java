package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** dept (a method that owns its parameters) passes the plugin contract. */
class DeptPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new DeptPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("rank", 3);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("rank", "0"), Map.of("low-rank-lr-ratio", "0"));
    }
}
