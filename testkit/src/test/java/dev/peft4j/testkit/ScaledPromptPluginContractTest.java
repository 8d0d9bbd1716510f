package dev.peft4j.testkit;

import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;
import java.util.Map;

/** The example plugin that tests across the project reuse passes the contract it is a template for. */
class ScaledPromptPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new ScaledPromptPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("scale", 1.5);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("scale", 0), Map.of("scale", "-1"), Map.of("scale", "large"));
    }
}
