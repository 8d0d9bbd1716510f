package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** lora on every linear layer, with dropout passes the plugin contract, checked on its layer outputs. */
class LoraPluginContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new LoraPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("rank", 2, "alpha", 3, "dropout", 0.1, "targets", "query,key,value,attention.output,intermediate,output");
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("targets", "query,nope"), Map.of("targets", "query,query"), Map.of("targets", " , "), Map.of("rank", "0"), Map.of("alpha", "0"), Map.of("dropout", "1"));
    }
}
