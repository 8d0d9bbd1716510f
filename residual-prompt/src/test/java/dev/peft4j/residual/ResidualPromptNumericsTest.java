package dev.peft4j.residual;

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
import dev.peft4j.testkit.ParameterValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Φ on fixed random weights and inputs against an independent double-precision reference written
 * as plain loops, for every activation, with and without LayerNorm, skip connection and per-token
 * MLPs.
 */
class ResidualPromptNumericsTest {

    private static final int N = 3;
    private static final int D = 6;
    private static final int M = 5;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    static Stream<Arguments> settings() {
        List<Arguments> all = new ArrayList<>();
        for (String activation : ResidualPromptPlugin.ACTIVATIONS) {
            for (boolean layerNorm : new boolean[] {true, false}) {
                for (boolean residual : new boolean[] {true, false}) {
                    for (boolean separate : new boolean[] {false, true}) {
                        all.add(Arguments.of(activation, layerNorm, residual, separate));
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "activation={0} layerNorm={1} residual={2} separate={3}")
    @MethodSource("settings")
    void matchesDoublePrecisionReference(String activation, boolean layerNorm, boolean residual, boolean separate) {
        Reparameterizer phi = create(activation, layerNorm, residual, separate, 0);
        float[] input = ParameterValues.uniformFloats(99, N * D, 1.5);
        double[] expected = reference(phi, toDouble(input), activation, layerNorm, residual, separate);

        for (boolean training : new boolean[] {false, true}) {
            float[] actual = phi.reparameterize(new ParameterStore(manager, false),
                    manager.create(input, new PromptShape(N, D).toShape()), training).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat((double) actual[i]).as("P'[%d], training=%s", i, training)
                        .isCloseTo(expected[i], within(1e-5));
            }
        }
    }

    /** Dropout acts after the up-projection and only in training: without LayerNorm and skip, each value is 0 or scaled. */
    @Test
    void dropoutScalesOrZeroesTheUpProjectionOnlyWhenTraining() {
        Reparameterizer phi = create("relu", false, false, false, 0.5);
        NDArray input = manager.create(ParameterValues.uniformFloats(5, N * D, 1), new PromptShape(N, D).toShape());
        ParameterStore store = new ParameterStore(manager, false);
        float[] eval = phi.reparameterize(store, input, false).toFloatArray();
        Engine.getInstance().setRandomSeed(3);
        float[] train = phi.reparameterize(store, input, true).toFloatArray();
        int dropped = 0;
        for (int i = 0; i < eval.length; i++) {
            if (train[i] == 0) {
                dropped++;
            } else {
                assertThat((double) train[i]).as("kept value %d", i).isCloseTo(2.0 * eval[i], within(1e-5));
            }
        }
        assertThat(dropped).as("dropped values of %d", eval.length).isBetween(1, eval.length - 1);
        assertThat(phi.reparameterize(store, input, false).toFloatArray()).containsExactly(eval);
    }

    private Reparameterizer create(String activation, boolean layerNorm, boolean residual, boolean separate,
            double dropout) {
        ResidualPromptPlugin plugin = new ResidualPromptPlugin();
        Reparameterizer phi = plugin.create(new PromptShape(N, D), plugin.parseOptions(Map.of("bottleneck", M,
                "activation", activation, "layer-norm", layerNorm, "residual", residual, "separate", separate,
                "dropout", dropout)));
        phi.initialize(manager, DataType.FLOAT32, new PromptShape(N, D).toShape());
        // Fixed random weights, LayerNorm's gamma and beta included, so every parameter matters.
        long seed = 1;
        for (Pair<String, Parameter> entry : phi.getParameters()) {
            NDArray array = entry.getValue().getArray();
            ParameterValues.overwrite(array, ParameterValues.uniformFloats(seed++, (int) array.size(), 1));
        }
        return phi;
    }

    /** Φ in double precision from the block's own (float) weights, by loops. */
    private static double[] reference(Reparameterizer phi, double[] x, String activation, boolean layerNorm,
            boolean residual, boolean separate) {
        var params = phi.getParameters();
        double[] wDown = ParameterValues.read(params.get("down_weight").getArray());
        double[] bDown = ParameterValues.read(params.get("down_bias").getArray());
        double[] wUp = ParameterValues.read(params.get("up_weight").getArray());
        double[] bUp = ParameterValues.read(params.get("up_bias").getArray());
        double[] gamma = layerNorm ? ParameterValues.read(params.get("norm_gamma").getArray()) : null;
        double[] beta = layerNorm ? ParameterValues.read(params.get("norm_beta").getArray()) : null;
        double[] out = new double[N * D];
        for (int t = 0; t < N; t++) {
            int token = separate ? t : 0;
            double[] hidden = new double[M];
            for (int j = 0; j < M; j++) {
                double sum = bDown[token * M + j];
                for (int k = 0; k < D; k++) {
                    sum += wDown[(token * M + j) * D + k] * x[t * D + k];
                }
                hidden[j] = activation(activation, sum);
            }
            double[] up = new double[D];
            for (int k = 0; k < D; k++) {
                double sum = bUp[token * D + k];
                for (int j = 0; j < M; j++) {
                    sum += wUp[(token * D + k) * M + j] * hidden[j];
                }
                up[k] = sum;
            }
            if (layerNorm) {
                double mean = 0;
                for (double v : up) {
                    mean += v / D;
                }
                double variance = 0;
                for (double v : up) {
                    variance += (v - mean) * (v - mean) / D;
                }
                for (int k = 0; k < D; k++) {
                    up[k] = (up[k] - mean) / Math.sqrt(variance + 1e-5) * gamma[token * D + k] + beta[token * D + k];
                }
            }
            for (int k = 0; k < D; k++) {
                out[t * D + k] = up[k] + (residual ? x[t * D + k] : 0);
            }
        }
        return out;
    }

    static double activation(String name, double z) {
        return switch (name) {
            case "relu" -> Math.max(0, z);
            case "tanh" -> Math.tanh(z);
            case "sigmoid" -> 1 / (1 + Math.exp(-z));
            case "gelu" -> 0.5 * z * (1 + erf(z / Math.sqrt(2)));
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** erf by its Taylor series below 3 and its asymptotic expansion above (both far below 1e-9 error). */
    static double erf(double z) {
        double a = Math.abs(z);
        double result;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double z2 = a * a;
            double series = 1 - 1 / (2 * z2) + 3 / (4 * z2 * z2) - 15 / (8 * z2 * z2 * z2) + 105 / (16 * z2 * z2 * z2 * z2);
            result = 1 - Math.exp(-z2) / (a * Math.sqrt(Math.PI)) * series;
        }
        return Math.signum(z) * result;
    }

    @Test
    void erfReferenceIsAccurate() {
        // Known values of erf, to check the reference itself.
        assertThat(erf(0.5)).isCloseTo(0.5204998778130465, within(1e-12));
        assertThat(erf(1)).isCloseTo(0.8427007929497149, within(1e-12));
        assertThat(erf(2.5)).isCloseTo(0.9995930479825550, within(1e-12));
        assertThat(erf(-3.5)).isCloseTo(-0.9999992569016276, within(1e-10));
    }

    private static double[] toDouble(float[] values) {
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return wide;
    }
}
