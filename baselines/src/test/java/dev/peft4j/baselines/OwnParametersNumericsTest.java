package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.TextEmbeddingUpdate;
import dev.peft4j.testkit.ParameterValues;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DPT, DePT and SuperPos against float64 reference loops written from the papers' definitions,
 * and their trainable-parameter counts against closed forms (README's table). Finite-difference
 * gradients are the plugin contract's ({@code *PluginContractTest}).
 */
class OwnParametersNumericsTest {

    private static final int N = 4;
    private static final int D = 6;
    private static final int V = 30;
    private static final int S = 5;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private PromptCreationContext context(int n, int d, int v, int s) {
        NDArray vocabulary = manager.create(ParameterValues.uniformFloats(3, v * d, 1), new Shape(v, d));
        return PromptCreationContext.builder(new PromptShape(n, d)).optWordEmbeddings(vocabulary)
                .optMaxTextLength(s).optSeed(9).build();
    }

    private SoftPrompt prompt(ReparameterizerPlugin plugin, Map<String, ?> options, PromptCreationContext context) {
        SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(options), context);
        prompt.initialize(manager, DataType.FLOAT64);
        return prompt;
    }

    /** The parameter whose name ends with {@code _name} (DJL prefixes child names). */
    private static Parameter parameter(SoftPrompt prompt, String name) {
        return prompt.getParameters().stream().filter(p -> p.getKey().endsWith("_" + name)).findFirst()
                .orElseThrow().getValue();
    }

    /** Fills a parameter with reproducible values in [-1, 1) and returns them. */
    private static double[] fill(Parameter parameter, long seed) {
        double[] values = ParameterValues.uniform(seed, Math.toIntExact(parameter.getArray().size()), 1);
        ParameterValues.overwrite(parameter.getArray(), values);
        return values;
    }

    private static double[] product(double[] left, double[] right, int rows, int inner, int columns, double scale) {
        double[] out = new double[rows * columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                double sum = 0;
                for (int k = 0; k < inner; k++) {
                    sum += left[i * inner + k] * right[k * columns + j];
                }
                out[i * columns + j] = scale * sum;
            }
        }
        return out;
    }

    private double[] forward(SoftPrompt prompt) {
        return ParameterValues.read(prompt.computePrompt(new ParameterStore(manager, false), false));
    }

    @Test
    void dptIsTheProductOfItsFactors() {
        int r = 3;
        SoftPrompt prompt = prompt(new DptPlugin(), Map.of("rank", r), context(N, D, V, S));
        double[] u = fill(parameter(prompt, "u"), 1);
        double[] v = fill(parameter(prompt, "v"), 2);

        assertThat(forward(prompt)).containsExactly(product(u, v, N, r, D, 1), within(1e-12));
        assertThat(prompt.hasPromptParameter()).as("DPT holds no n×d prompt").isFalse();
    }

    @Test
    void superPosMixesTheSampledVocabularyEmbeddings() {
        int m = 7;
        PromptCreationContext context = context(N, D, V, S);
        SoftPrompt prompt = prompt(new SuperPosPlugin(), Map.of("embeddings", m), context);
        double[] w = fill(parameter(prompt, "weights"), 4);
        double[] table = ParameterValues.read(context.getWordEmbeddings().toType(DataType.FLOAT64, true));
        long[] ids = SuperPosPlugin.sampleIds(context, m);
        double[] e = new double[m * D];
        for (int j = 0; j < m; j++) {
            System.arraycopy(table, Math.toIntExact(ids[j]) * D, e, j * D, D);
        }

        assertThat(forward(prompt)).containsExactly(product(w, e, N, m, D, 1), within(1e-6));
        assertThat(ids).as("ids drawn with the run's seed").containsExactly(SuperPosPlugin.sampleIds(context, m));
    }

    @Test
    void deptAddsItsScaledLowRankUpdatePerTokenAndNothingPastTheLongestText() {
        int r = 2;
        double ratio = 0.5;
        SoftPrompt prompt = prompt(new DeptPlugin(), Map.of("rank", r, "low-rank-lr-ratio", ratio), context(N, D, V, S));
        TextEmbeddingUpdate update = Objects.requireNonNull(prompt.getTextEmbeddingUpdate());
        double[] p = fill(parameter(prompt, "prompt"), 5);
        ParameterStore store = new ParameterStore(manager, false);
        assertThat(ParameterValues.read(update.computeUpdate(store, S, false))).as("B starts at zero").containsOnly(0.0);

        double[] a = fill(parameter(prompt, "a"), 6);
        double[] b = fill(parameter(prompt, "b"), 7);
        double[] expected = product(a, b, S, r, D, ratio * ratio);

        assertThat(forward(prompt)).as("P' is the shorter prompt itself").containsExactly(p, within(0.0));
        assertThat(ParameterValues.read(update.computeUpdate(store, S, false))).containsExactly(expected, within(1e-12));
        double[] longer = ParameterValues.read(update.computeUpdate(store, S + 2, false));
        for (int i = 0; i < longer.length; i++) {
            assertThat(longer[i]).as("value %d", i).isCloseTo(i < S * D ? expected[i] : 0, within(1e-12));
        }
    }

    @ParameterizedTest(name = "n={0} d={1} r={2} m={3} s={4}")
    @CsvSource({"10, 384, 10, 128, 118", "100, 768, 10, 128, 412", "40, 768, 45, 128, 216"})
    void countsMatchTheClosedForms(int n, int d, int r, int m, int s) {
        PromptCreationContext context = context(n, d, 200, s);
        long dpt = prompt(new DptPlugin(), Map.of("rank", r), context).getTrainableParameterCount();
        long dept = prompt(new DeptPlugin(), Map.of("rank", r), context).getTrainableParameterCount();
        long superPos = prompt(new SuperPosPlugin(), Map.of("embeddings", m), context).getTrainableParameterCount();
        System.out.printf("n=%d d=%d r=%d m=%d s=%d: dpt %d, dept %d, superpos %d%n", n, d, r, m, s, dpt, dept, superPos);

        assertThat(dpt).isEqualTo((long) r * (n + d));
        assertThat(dept).isEqualTo((long) n * d + (long) r * (s + d));
        assertThat(superPos).isEqualTo((long) n * m);
    }
}
