package dev.peft4j.baselines;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.util.List;
import java.util.Map;

/** P-tuning with the LSTM encoder passes the plugin contract. */
class PTuningLstmContractTest extends ReparameterizerPluginContract {

    @Override
    protected ReparameterizerPlugin plugin() {
        return new PTuningPlugin();
    }

    @Override
    protected Map<String, ?> optionsForTest() {
        return Map.of("encoder", "lstm", "hidden-size", 6);
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("encoder", "gru"), Map.of("hidden-size", "-1"), Map.of("lstm-layers", "0"),
                Map.of("lstm-dropout", "1.5"));
    }
}
