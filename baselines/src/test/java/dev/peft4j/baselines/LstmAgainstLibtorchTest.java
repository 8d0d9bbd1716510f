package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.nn.Layers;
import dev.peft4j.testkit.ParameterValues;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The array-operation LSTM of the p-tuning encoder against libtorch's own fused {@code lstm} (the
 * kernel behind {@code torch.nn.LSTM}, called through DJL's {@code NDArrayEx.lstm} with a
 * batch-first input {@code (1, n, d)}) with the same weights: this pins PyTorch's gate order and
 * bidirectional layout, independently of the loop reference in {@link BaselineNumericsTest}.
 */
class LstmAgainstLibtorchTest {

    @ParameterizedTest(name = "lstm-layers={0}")
    @ValueSource(ints = {1, 2})
    void matchesLibtorchLstm(int layers) {
        int n = 5;
        int d = 6;
        int h = 4;
        PromptShape shape = new PromptShape(n, d);
        try (NDManager manager = NDManager.newBaseManager()) {
            PTuningPlugin plugin = new PTuningPlugin();
            Reparameterizer phi = plugin.create(shape,
                    plugin.parseOptions(Map.of("encoder", "lstm", "hidden-size", h, "lstm-layers", layers)));
            phi.initialize(manager, DataType.FLOAT32, shape.toShape());
            var ours = phi.getParameters();

            // libtorch's lstm takes, per layer and direction, weight_ih, weight_hh, bias_ih, bias_hh.
            NDList weights = new NDList();
            for (int l = 0; l < layers; l++) {
                for (String direction : new String[] {"forward", "backward"}) {
                    for (String name : new String[] {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
                        weights.add(ours.get("lstm_" + l + "_" + direction + "_" + name).getArray());
                    }
                }
            }
            NDArray prompt = manager.create(ParameterValues.uniformFloats(3, n * d, 1), shape.toShape());
            NDArray batch = prompt.expandDims(0);
            NDList state = new NDList(manager.zeros(new Shape(2L * layers, 1, h)), manager.zeros(new Shape(2L * layers, 1, h)));
            NDArray sequence = batch.getNDArrayInternal()
                    .lstm(batch, state, weights, true, layers, 0, false, true, true)
                    .get(0)
                    .squeeze(0);
            ParameterStore store = new ParameterStore(manager, false);
            NDArray hidden = Activation.relu(Layers.linear(sequence, ours.get("head_1_weight").getArray(),
                    ours.get("head_1_bias").getArray()));
            float[] expected = Layers.linear(hidden, ours.get("head_2_weight").getArray(),
                    ours.get("head_2_bias").getArray()).toFloatArray();

            float[] actual = phi.reparameterize(store, prompt, false).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) actual[i]).as("P'[%d]", i).isCloseTo(expected[i], within(1e-5));
            }
        }
    }
}
