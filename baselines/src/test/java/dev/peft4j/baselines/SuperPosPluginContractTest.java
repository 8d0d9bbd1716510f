package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** superpos (a method that owns its parameters) passes the plugin contract. */
class SuperPosPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new SuperPosPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("embeddings", 12);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("embeddings", "0"));
    }
}
