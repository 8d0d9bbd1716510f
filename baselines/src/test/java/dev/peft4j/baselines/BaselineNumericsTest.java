package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.nn.Layers;
import dev.peft4j.testkit.ParameterValues;
import dev.peft4j.testkit.ReferenceMath;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The baselines on fixed random weights and inputs against independent double-precision
 * references built from the test kit's {@link ReferenceMath}.
 */
class BaselineNumericsTest {

    private static final int N = 4;
    private static final int D = 6;
    private static final PromptShape SHAPE = new PromptShape(N, D);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void promptTuningIsTheIdentity() {
        Reparameterizer phi = create(new PromptTuningPlugin(), Map.of());
        float[] input = ParameterValues.uniformFloats(3, N * D, 1);
        assertThat(forward(phi, input, true)).containsExactly(input);
        assertThat(forward(phi, input, false)).containsExactly(input);
        assertThat(phi.getParameters().size()).isZero();
    }

    static Stream<Arguments> mlpSettings() {
        return Layers.ACTIVATIONS.stream().flatMap(a -> Stream.of(Arguments.of(a, true), Arguments.of(a, false)));
    }

    @ParameterizedTest(name = "activation={0} layerNorm={1}")
    @MethodSource("mlpSettings")
    void mlpPromptMatchesReference(String activation, boolean layerNorm) {
        int m = 5;
        Reparameterizer phi = create(new MlpPromptPlugin(),
                Map.of("bottleneck", m, "activation", activation, "layer-norm", layerNorm));
        float[] input = ParameterValues.uniformFloats(7, N * D, 1.5);
        var p = phi.getParameters();
        double[] wDown = read(p.get("down_weight"));
        double[] bDown = read(p.get("down_bias"));
        double[] wUp = read(p.get("up_weight"));
        double[] bUp = read(p.get("up_bias"));
        double[] expected = new double[N * D];
        for (int t = 0; t < N; t++) {
            double[] x = ReferenceMath.row(input, t, D);
            double[] hidden = ReferenceMath.activation(activation, ReferenceMath.linear(wDown, bDown, x, m));
            double[] up = ReferenceMath.linear(wUp, bUp, hidden, D);
            if (layerNorm) {
                up = ReferenceMath.layerNorm(up, read(p.get("norm_gamma")), read(p.get("norm_beta")));
            }
            System.arraycopy(up, 0, expected, t * D, D);
        }
        assertClose(forward(phi, input, false), expected);
        assertClose(forward(phi, input, true), expected);
    }

    @ParameterizedTest(name = "hidden-size={0}")
    @ValueSource(ints = {0, 9})
    void pTuningMlpMatchesReference(int hiddenOption) {
        int h = hiddenOption == 0 ? D : hiddenOption;
        Reparameterizer phi = create(new PTuningPlugin(), Map.of("encoder", "mlp", "hidden-size", hiddenOption));
        float[] input = ParameterValues.uniformFloats(8, N * D, 1.5);
        var p = phi.getParameters();
        assertThat(p.get("mlp_1_weight").getArray().getShape().get(0)).isEqualTo(h);
        double[] expected = new double[N * D];
        for (int t = 0; t < N; t++) {
            double[] x = ReferenceMath.row(input, t, D);
            double[] a = ReferenceMath.activation("relu", ReferenceMath.linear(read(p.get("mlp_1_weight")), read(p.get("mlp_1_bias")), x, h));
            double[] b = ReferenceMath.activation("relu", ReferenceMath.linear(read(p.get("mlp_2_weight")), read(p.get("mlp_2_bias")), a, h));
            double[] y = ReferenceMath.linear(read(p.get("mlp_3_weight")), read(p.get("mlp_3_bias")), b, D);
            System.arraycopy(y, 0, expected, t * D, D);
        }
        assertClose(forward(phi, input, false), expected);
    }

    @ParameterizedTest(name = "lstm-layers={0}")
    @ValueSource(ints = {1, 2, 3})
    void pTuningLstmMatchesReference(int layers) {
        int h = 4;
        Reparameterizer phi = create(new PTuningPlugin(),
                Map.of("encoder", "lstm", "hidden-size", h, "lstm-layers", layers));
        float[] input = ParameterValues.uniformFloats(9, N * D, 1.5);
        var p = phi.getParameters();
        double[][] sequence = new double[N][];
        for (int t = 0; t < N; t++) {
            sequence[t] = ReferenceMath.row(input, t, D);
        }
        for (int l = 0; l < layers; l++) {
            double[][] next = new double[N][2 * h];
            for (int dir = 0; dir < 2; dir++) {
                String prefix = "lstm_" + l + "_" + (dir == 0 ? "forward" : "backward") + "_";
                double[] wIh = read(p.get(prefix + "weight_ih"));
                double[] wHh = read(p.get(prefix + "weight_hh"));
                double[] bIh = read(p.get(prefix + "bias_ih"));
                double[] bHh = read(p.get(prefix + "bias_hh"));
                double[] hState = new double[h];
                double[] cState = new double[h];
                for (int k = 0; k < N; k++) {
                    int t = dir == 0 ? k : N - 1 - k;
                    double[] gates = ReferenceMath.linear(wIh, bIh, sequence[t], 4 * h);
                    double[] recurrent = ReferenceMath.linear(wHh, bHh, hState, 4 * h);
                    double[] newH = new double[h];
                    for (int u = 0; u < h; u++) {
                        double i = ReferenceMath.sigmoid(gates[u] + recurrent[u]);
                        double f = ReferenceMath.sigmoid(gates[h + u] + recurrent[h + u]);
                        double g = Math.tanh(gates[2 * h + u] + recurrent[2 * h + u]);
                        double o = ReferenceMath.sigmoid(gates[3 * h + u] + recurrent[3 * h + u]);
                        cState[u] = f * cState[u] + i * g;
                        newH[u] = o * Math.tanh(cState[u]);
                    }
                    hState = newH;
                    System.arraycopy(hState, 0, next[t], dir * h, h);
                }
            }
            sequence = next;
        }
        double[] expected = new double[N * D];
        for (int t = 0; t < N; t++) {
            double[] z = ReferenceMath.activation("relu", ReferenceMath.linear(read(p.get("head_1_weight")), read(p.get("head_1_bias")), sequence[t],
                    2 * h));
            double[] y = ReferenceMath.linear(read(p.get("head_2_weight")), read(p.get("head_2_bias")), z, D);
            System.arraycopy(y, 0, expected, t * D, D);
        }
        assertClose(forward(phi, input, false), expected);
        assertClose(forward(phi, input, true), expected);
    }

    /** LSTM dropout acts between layers and only in training. */
    @Test
    void lstmDropoutOnlyActsWhenTraining() {
        Map<String, Object> base = Map.of("encoder", "lstm", "hidden-size", 4, "lstm-layers", 2);
        Reparameterizer plain = create(new PTuningPlugin(), base);
        var withDropout = new java.util.HashMap<String, Object>(base);
        withDropout.put("lstm-dropout", 0.5);
        Reparameterizer dropped = create(new PTuningPlugin(), withDropout);
        float[] input = ParameterValues.uniformFloats(10, N * D, 1);
        assertThat(forward(dropped, input, false)).containsExactly(forward(plain, input, false));
        Engine.getInstance().setRandomSeed(5);
        assertThat(forward(dropped, input, true)).isNotEqualTo(forward(plain, input, true));
    }

    private Reparameterizer create(ReparameterizerPlugin plugin, Map<String, ?> options) {
        Reparameterizer phi = plugin.create(SHAPE, plugin.parseOptions(options));
        phi.initialize(manager, DataType.FLOAT32, SHAPE.toShape());
        // Fixed random weights (LayerNorm's gamma and beta too), the same for equal layouts.
        long seed = 1;
        for (Pair<String, Parameter> entry : phi.getParameters()) {
            NDArray array = entry.getValue().getArray();
            ParameterValues.overwrite(array, ParameterValues.uniformFloats(seed++, (int) array.size(), 1));
        }
        return phi;
    }

    private float[] forward(Reparameterizer phi, float[] input, boolean training) {
        return phi.reparameterize(new ParameterStore(manager, false), manager.create(input, SHAPE.toShape()), training)
                .toFloatArray();
    }

    private static double[] read(Parameter parameter) {
        return ParameterValues.read(parameter.getArray());
    }

    private static void assertClose(float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("P'[%d]", i).isCloseTo(expected[i], within(1e-5));
        }
    }
}
