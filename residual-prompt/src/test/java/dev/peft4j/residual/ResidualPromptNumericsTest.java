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
import dev.peft4j.nn.Layers;
import dev.peft4j.testkit.ParameterValues;
import dev.peft4j.testkit.ReferenceMath;
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
 * Φ on fixed random weights and inputs against an independent double-precision reference (the
 * test kit's {@link ReferenceMath}), for every activation, with and without LayerNorm, skip connection and per-token
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
        for (String activation : Layers.ACTIVATIONS) {
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
        double[] expected = reference(phi, input, activation, layerNorm, residual, separate);

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

    /** Φ in double precision from the block's own (float) weights, by the test kit's reference maths. */
    private static double[] reference(Reparameterizer phi, float[] x, String activation, boolean layerNorm,
            boolean residual, boolean separate) {
        var params = phi.getParameters();
        double[] wDown = ParameterValues.read(params.get("down_weight").getArray());
        double[] bDown = ParameterValues.read(params.get("down_bias").getArray());
        double[] wUp = ParameterValues.read(params.get("up_weight").getArray());
        double[] bUp = ParameterValues.read(params.get("up_bias").getArray());
        double[] out = new double[N * D];
        for (int t = 0; t < N; t++) {
            int token = separate ? t : 0;
            double[] input = ReferenceMath.row(x, t, D);
            double[] hidden = ReferenceMath.activation(activation,
                    ReferenceMath.linear(wDown, token * M * D, bDown, token * M, input, M));
            double[] up = ReferenceMath.linear(wUp, token * D * M, bUp, token * D, hidden, D);
            if (layerNorm) {
                up = ReferenceMath.layerNorm(up, ParameterValues.read(params.get("norm_gamma").getArray()),
                        ParameterValues.read(params.get("norm_beta").getArray()), token * D);
            }
            for (int k = 0; k < D; k++) {
                out[t * D + k] = up[k] + (residual ? input[k] : 0);
            }
        }
        return out;
    }
}
