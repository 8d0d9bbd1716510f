package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.testkit.ParameterValues;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * prefix-tuning (table and PEFT's projection MLP), residual-prefix and lora against float64
 * reference loops written in plain Java from their definitions: outputs, the (L, 2, m, d) layout
 * against PEFT's row index {@code (l·2 + kv)·d + c}, autograd gradients against central finite
 * differences of the reference, initial distributions, and trainable-parameter counts against
 * closed forms.
 */
class LayerMethodsNumericsTest {

    private static final int L = 2;
    private static final int M = 3;
    private static final int D = 4;
    private static final int INNER = 6;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static PromptCreationContext context(int m, int d, int layers, int inner, long seed) {
        return PromptCreationContext.builder(new PromptShape(m, d)).optLayers(layers, 2).optIntermediateSize(inner)
                .optSeed(seed).build();
    }

    private SoftPrompt prompt(ReparameterizerPlugin plugin, Map<String, ?> options, PromptCreationContext context,
            DataType dataType) {
        SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(options), context);
        prompt.initialize(manager, dataType);
        return prompt;
    }

    /** The parameter whose name ends with {@code _name} (DJL prefixes child names). */
    private static Parameter parameter(SoftPrompt prompt, String name) {
        return prompt.getParameters().stream().filter(p -> p.getKey().endsWith("_" + name)).findFirst()
                .orElseThrow(() -> new AssertionError("no parameter " + name + " in " + prompt.getParameters().keys()))
                .getValue();
    }

    /** Fills the named parameters with reproducible values in [-1, 1) and returns them by name. */
    private static Map<String, double[]> fill(SoftPrompt prompt, String... names) {
        Map<String, double[]> values = new LinkedHashMap<>();
        long seed = 100;
        for (String name : names) {
            Parameter p = parameter(prompt, name);
            double[] v = ParameterValues.uniform(seed++, Math.toIntExact(p.getArray().size()), 1);
            ParameterValues.overwrite(p.getArray(), v);
            values.put(name, v);
        }
        return values;
    }

    /**
     * Autograd gradients of {@code sum(output · R)} for every named parameter against central
     * finite differences of {@code sum(reference · R)}, at the largest gradient and six random
     * entries of each.
     */
    private void gradientsAgreeWithReference(SoftPrompt prompt, Map<String, double[]> values,
            Function<ParameterStore, NDArray> output, Function<Map<String, double[]>, double[]> reference) {
        ParameterStore store = new ParameterStore(manager, false);
        NDArray forward = output.apply(store);
        double[] weights = ParameterValues.uniform(7, Math.toIntExact(forward.size()), 1);
        NDArray r = manager.create(weights, forward.getShape());
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(output.apply(store).mul(r).sum());
        }
        Random random = new Random(3);
        double step = 1e-6;
        for (var entry : values.entrySet()) {
            double[] gradient = ParameterValues.read(parameter(prompt, entry.getKey()).getArray().getGradient());
            double[] v = entry.getValue();
            int largest = 0;
            for (int i = 1; i < gradient.length; i++) {
                largest = Math.abs(gradient[i]) > Math.abs(gradient[largest]) ? i : largest;
            }
            assertThat(Math.abs(gradient[largest])).as("largest gradient of %s", entry.getKey()).isGreaterThan(0);
            for (int probe = 0; probe < 7; probe++) {
                int i = probe == 0 ? largest : random.nextInt(v.length);
                double original = v[i];
                v[i] = original + step;
                double plus = dot(reference.apply(values), weights);
                v[i] = original - step;
                double minus = dot(reference.apply(values), weights);
                v[i] = original;
                double numeric = (plus - minus) / (2 * step);
                assertThat(gradient[i]).as("d loss / d %s[%d]", entry.getKey(), i)
                        .isCloseTo(numeric, within(1e-6 + 1e-6 * Math.abs(numeric)));
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    /** PEFT rows {@code (m, L·2·d)} rearranged to {@code (L, 2, m, d)} by the index formula. */
    private static double[] layersFromRows(double[] rows, int layers, int m, int d) {
        double[] out = new double[rows.length];
        for (int l = 0; l < layers; l++) {
            for (int kv = 0; kv < 2; kv++) {
                for (int i = 0; i < m; i++) {
                    for (int c = 0; c < d; c++) {
                        out[((l * 2 + kv) * m + i) * d + c] = rows[i * layers * 2 * d + (l * 2 + kv) * d + c];
                    }
                }
            }
        }
        return out;
    }

    private double[] prefix(SoftPrompt prompt) {
        return ParameterValues.read(Objects.requireNonNull(prompt.getLayerPrefix())
                .computePrefix(new ParameterStore(manager, false), false));
    }

    private double[] peftRows(SoftPrompt prompt) {
        return ParameterValues.read(((PrefixPrompt) prompt.getLayerPrefix())
                .computePeftRows(new ParameterStore(manager, false), false));
    }

    @Test
    void prefixTableIsItsParameterInPeftRowsAndLaysOutAsTheIndexFormulaSays() {
        SoftPrompt prompt = prompt(new PrefixTuningPlugin(), Map.of(), context(M, D, L, INNER, 5), DataType.FLOAT64);
        double[] table = fill(prompt, "embedding").get("embedding");
        LayerPrefix prefix = Objects.requireNonNull(prompt.getLayerPrefix());

        assertThat(parameter(prompt, "embedding").getArray().getShape()).isEqualTo(new Shape(M, L * 2 * D));
        assertThat(peftRows(prompt)).as("the PEFT rows are the parameter itself").containsExactly(table, within(0.0));
        assertThat(prefix.computePrefix(new ParameterStore(manager, false), false).getShape())
                .isEqualTo(new Shape(L, 2, M, D));
        assertThat(prefix(prompt)).containsExactly(layersFromRows(table, L, M, D), within(0.0));
        assertThat(prefix.getPrefixLength()).isEqualTo(M);
        assertThat(prompt.insertsInputPrompt()).isFalse();
    }

    /** {@code Linear(h, L·2·d)(tanh(Linear(d, h)(E)))}, PEFT's prefix_projection, in doubles. */
    private static double[] projectionReference(Map<String, double[]> p, int m, int d, int h, int out) {
        double[] e = p.get("embedding");
        double[] w1 = p.get("hidden_weight");
        double[] b1 = p.get("hidden_bias");
        double[] w2 = p.get("out_weight");
        double[] b2 = p.get("out_bias");
        double[] rows = new double[m * out];
        for (int i = 0; i < m; i++) {
            double[] hidden = new double[h];
            for (int j = 0; j < h; j++) {
                double sum = b1[j];
                for (int c = 0; c < d; c++) {
                    sum += w1[j * d + c] * e[i * d + c];
                }
                hidden[j] = Math.tanh(sum);
            }
            for (int k = 0; k < out; k++) {
                double sum = b2[k];
                for (int j = 0; j < h; j++) {
                    sum += w2[k * h + j] * hidden[j];
                }
                rows[i * out + k] = sum;
            }
        }
        return rows;
    }

    @Test
    void projectedPrefixIsPeftsTanhMlpAndItsGradientsAgreeWithFiniteDifferences() {
        int h = 5;
        int out = L * 2 * D;
        SoftPrompt prompt = prompt(new PrefixTuningPlugin(), Map.of("projection", true, "projection-hidden", h),
                context(M, D, L, INNER, 5), DataType.FLOAT64);
        Map<String, double[]> values = fill(prompt, "embedding", "hidden_weight", "hidden_bias", "out_weight", "out_bias");
        double[] rows = projectionReference(values, M, D, h, out);

        assertThat(peftRows(prompt)).containsExactly(rows, within(1e-12));
        assertThat(prefix(prompt)).containsExactly(layersFromRows(rows, L, M, D), within(1e-12));
        PrefixPrompt source = (PrefixPrompt) Objects.requireNonNull(prompt.getLayerPrefix());
        gradientsAgreeWithReference(prompt, values, store -> source.computePrefix(store, false),
                v -> layersFromRows(projectionReference(v, M, D, h, out), L, M, D));
    }

    @Test
    void prefixStartsAsPeftFromTheRunsSeed() {
        int d = 64;
        SoftPrompt table = prompt(new PrefixTuningPlugin(), Map.of(), context(20, d, 4, INNER, 5), DataType.FLOAT32);
        double[] values = ParameterValues.read(parameter(table, "embedding").getArray());
        double mean = Arrays.stream(values).average().orElseThrow();
        double variance = Arrays.stream(values).map(x -> (x - mean) * (x - mean)).average().orElseThrow();
        assertThat(mean).as("mean of the N(0, 1) table").isCloseTo(0, within(0.05));
        assertThat(variance).as("variance of the N(0, 1) table").isCloseTo(1, within(0.05));

        Engine.getInstance().setRandomSeed(1);
        SoftPrompt again = prompt(new PrefixTuningPlugin(), Map.of(), context(20, d, 4, INNER, 5), DataType.FLOAT32);
        SoftPrompt other = prompt(new PrefixTuningPlugin(), Map.of(), context(20, d, 4, INNER, 6), DataType.FLOAT32);
        assertThat(ParameterValues.read(parameter(again, "embedding").getArray()))
                .as("the run's seed alone fixes the start, whatever the engine's seed").containsExactly(values);
        assertThat(ParameterValues.read(parameter(other, "embedding").getArray())).isNotEqualTo(values);

        int h = 32;
        SoftPrompt projected = prompt(new PrefixTuningPlugin(), Map.of("projection", true, "projection-hidden", h),
                context(20, d, 4, INNER, 5), DataType.FLOAT32);
        assertThat(parameter(projected, "hidden_weight").getArray().getShape()).isEqualTo(new Shape(h, d));
        assertThat(maxAbs(parameter(projected, "hidden_weight"))).isLessThanOrEqualTo(1 / Math.sqrt(d))
                .isGreaterThan(0.9 / Math.sqrt(d));
        assertThat(maxAbs(parameter(projected, "hidden_bias"))).isLessThanOrEqualTo(1 / Math.sqrt(d));
        assertThat(maxAbs(parameter(projected, "out_weight"))).isLessThanOrEqualTo(1 / Math.sqrt(h))
                .isGreaterThan(0.9 / Math.sqrt(h));
        assertThat(maxAbs(parameter(projected, "out_bias"))).isLessThanOrEqualTo(1 / Math.sqrt(h));
        SoftPrompt defaultHidden = prompt(new PrefixTuningPlugin(), Map.of("projection", true),
                context(20, d, 4, INNER, 5), DataType.FLOAT32);
        assertThat(parameter(defaultHidden, "hidden_weight").getArray().getShape())
                .as("PEFT's encoder_hidden_size defaults to the model width").isEqualTo(new Shape(d, d));
    }

    private static double maxAbs(Parameter parameter) {
        return Arrays.stream(ParameterValues.read(parameter.getArray())).map(Math::abs).max().orElseThrow();
    }

    /** {@code LayerNorm(W_up · relu(W_down · p + b_down) + b_up) + p} per row, in doubles. */
    private static double[] residualReference(Map<String, double[]> p, int rows, int d, int b) {
        double[] x = p.get("prefix");
        double[] wd = p.get("down_weight");
        double[] bd = p.get("down_bias");
        double[] wu = p.get("up_weight");
        double[] bu = p.get("up_bias");
        double[] gamma = p.get("norm_gamma");
        double[] beta = p.get("norm_beta");
        double[] out = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double[] hidden = new double[b];
            for (int j = 0; j < b; j++) {
                double sum = bd[j];
                for (int c = 0; c < d; c++) {
                    sum += wd[j * d + c] * x[r * d + c];
                }
                hidden[j] = Math.max(0, sum);
            }
            double[] o = new double[d];
            double mean = 0;
            for (int c = 0; c < d; c++) {
                double sum = bu[c];
                for (int j = 0; j < b; j++) {
                    sum += wu[c * b + j] * hidden[j];
                }
                o[c] = sum;
                mean += sum / d;
            }
            double variance = 0;
            for (int c = 0; c < d; c++) {
                variance += (o[c] - mean) * (o[c] - mean) / d;
            }
            for (int c = 0; c < d; c++) {
                out[r * d + c] = gamma[c] * (o[c] - mean) / Math.sqrt(variance + 1e-5) + beta[c] + x[r * d + c];
            }
        }
        return out;
    }

    @Test
    void residualPrefixIsTheResidualMlpOverEveryPrefixRowAndItsGradientsAgreeWithFiniteDifferences() {
        int b = 3;
        int rows = L * 2 * M;
        SoftPrompt prompt = prompt(new ResidualPrefixPlugin(), Map.of("bottleneck", b), context(M, D, L, INNER, 5),
                DataType.FLOAT64);
        assertThat(parameter(prompt, "prefix").getArray().getShape()).isEqualTo(new Shape(rows, D));
        Map<String, double[]> values = fill(prompt, "prefix", "down_weight", "down_bias", "up_weight", "up_bias",
                "norm_gamma", "norm_beta");
        double[] expected = residualReference(values, rows, D, b);

        // row (l·2 + kv)·m + i of P' is position i of layer l's keys (kv 0) or values (kv 1)
        // LayerNorm divides by a small standard deviation: float64 rounding reaches 1e-12
        assertThat(prefix(prompt)).containsExactly(expected, within(1e-10));
        double[] peft = peftRows(prompt);
        assertThat(layersFromRows(peft, L, M, D)).as("PEFT rows of the same prefix").containsExactly(expected, within(1e-10));
        LayerPrefix source = Objects.requireNonNull(prompt.getLayerPrefix());
        gradientsAgreeWithReference(prompt, values, store -> source.computePrefix(store, false),
                v -> residualReference(v, rows, D, b));
    }

    @Test
    void residualPrefixStartsFromTheTableOfPrefixTuning() {
        PromptCreationContext context = context(M, D, L, INNER, 8);
        SoftPrompt residual = prompt(new ResidualPrefixPlugin(), Map.of("bottleneck", 3), context, DataType.FLOAT32);
        SoftPrompt table = prompt(new PrefixTuningPlugin(), Map.of(), context, DataType.FLOAT32);
        // both draw N(0, 1) from the run's seed: the same values, laid out as rows of d
        double[] p = ParameterValues.read(parameter(residual, "prefix").getArray());
        double[] rows = ParameterValues.read(parameter(table, "embedding").getArray());
        double[] sorted = p.clone();
        double[] sortedRows = rows.clone();
        Arrays.sort(sorted);
        Arrays.sort(sortedRows);
        assertThat(sorted).containsExactly(sortedRows, within(0.0));
    }

    /** {@code s · (x Aᵀ) Bᵀ} for {@code x (n, in)}, {@code A (r, in)}, {@code B (out, r)}, in doubles. */
    private static double[] loraReference(double[] x, double[] a, double[] b, int n, int in, int r, int out, double s) {
        double[] delta = new double[n * out];
        for (int row = 0; row < n; row++) {
            double[] hidden = new double[r];
            for (int k = 0; k < r; k++) {
                for (int c = 0; c < in; c++) {
                    hidden[k] += a[k * in + c] * x[row * in + c];
                }
            }
            for (int o = 0; o < out; o++) {
                double sum = 0;
                for (int k = 0; k < r; k++) {
                    sum += b[o * r + k] * hidden[k];
                }
                delta[row * out + o] = s * sum;
            }
        }
        return delta;
    }

    @Test
    void loraDeltaAndWeightChangeMatchTheReferenceAndItsGradientsAgreeWithFiniteDifferences() {
        int r = 2;
        double alpha = 3;
        int n = 3;
        SoftPrompt prompt = prompt(new LoraPlugin(), Map.of("rank", r, "alpha", alpha, "targets", "query,intermediate,output"),
                context(M, D, L, INNER, 5), DataType.FLOAT64);
        LowRankUpdate update = Objects.requireNonNull(prompt.getLowRankUpdate());
        assertThat(update.getTargets()).containsExactly(LinearTarget.QUERY, LinearTarget.INTERMEDIATE, LinearTarget.OUTPUT);
        assertThat(update.getScale()).isEqualTo((float) (alpha / r));
        assertThat(((LoraPrompt) update).getRank()).isEqualTo(r);
        ParameterStore store = new ParameterStore(manager, false);
        for (int layer = 0; layer < L; layer++) {
            for (LinearTarget target : update.getTargets()) {
                int in = target.inFeatures(D, INNER);
                int out = target.outFeatures(D, INNER);
                String name = "layer" + layer + "." + target.id();
                Map<String, double[]> values = fill(prompt, name + ".lora_A", name + ".lora_B");
                double[] a = values.get(name + ".lora_A");
                double[] b = values.get(name + ".lora_B");
                double[] x = ParameterValues.uniform(40 + layer, n * in, 1);
                NDArray input = manager.create(x, new Shape(n, in));
                double s = alpha / r;

                NDList factors = update.computeFactors(store, layer, target);
                assertThat(ParameterValues.read(factors.get(0))).containsExactly(a, within(0.0));
                assertThat(ParameterValues.read(factors.get(1))).containsExactly(b, within(0.0));
                assertThat(ParameterValues.read(update.computeDelta(store, layer, target, input, false)))
                        .as("Δ(x) of layer %d, %s", layer, target.id())
                        .containsExactly(loraReference(x, a, b, n, in, r, out, s), within(1e-12));
                double[] identity = new double[in * in];
                for (int c = 0; c < in; c++) {
                    identity[c * in + c] = 1;
                }
                // the weight change is Δ of the unit vectors, laid out (out, in)
                double[] columns = loraReference(identity, a, b, in, in, r, out, s);
                double[] weightDelta = new double[out * in];
                for (int c = 0; c < in; c++) {
                    for (int o = 0; o < out; o++) {
                        weightDelta[o * in + c] = columns[c * out + o];
                    }
                }
                assertThat(ParameterValues.read(update.computeWeightDelta(store, layer, target)))
                        .as("s·BA of layer %d, %s", layer, target.id()).containsExactly(weightDelta, within(1e-12));

                int finalLayer = layer;
                gradientsAgreeWithReference(prompt, values,
                        st -> update.computeDelta(st, finalLayer, target, input, false),
                        v -> loraReference(x, v.get(name + ".lora_A"), v.get(name + ".lora_B"), n, in, r, out, s));
            }
        }
    }

    @Test
    void loraStartsAsPeftFromTheRunsSeed() {
        int d = 64;
        int inner = 96;
        SoftPrompt prompt = prompt(new LoraPlugin(), Map.of("targets", "value,output"), context(1, d, 2, inner, 5),
                DataType.FLOAT32);
        for (int layer = 0; layer < 2; layer++) {
            for (String target : List.of("value", "output")) {
                int in = "output".equals(target) ? inner : d;
                int out = "output".equals(target) ? d : d;
                Parameter a = parameter(prompt, "layer" + layer + "." + target + ".lora_A");
                Parameter b = parameter(prompt, "layer" + layer + "." + target + ".lora_B");
                assertThat(a.getArray().getShape()).isEqualTo(new Shape(8, in));
                assertThat(b.getArray().getShape()).isEqualTo(new Shape(out, 8));
                assertThat(maxAbs(a)).as("A within PEFT's kaiming-uniform bound 1/sqrt(in)")
                        .isLessThanOrEqualTo(1 / Math.sqrt(in)).isGreaterThan(0.9 / Math.sqrt(in));
                assertThat(ParameterValues.read(b.getArray())).as("B starts at zero").containsOnly(0.0);
            }
        }
        assertThat(ParameterValues.read(parameter(prompt, "layer0.value.lora_A").getArray()))
                .as("each A its own draw")
                .isNotEqualTo(ParameterValues.read(parameter(prompt, "layer1.value.lora_A").getArray()));
        Engine.getInstance().setRandomSeed(99);
        SoftPrompt again = prompt(new LoraPlugin(), Map.of("targets", "value,output"), context(1, d, 2, inner, 5),
                DataType.FLOAT32);
        assertThat(ParameterValues.read(parameter(again, "layer1.output.lora_A").getArray()))
                .as("the run's seed alone fixes the start")
                .containsExactly(ParameterValues.read(parameter(prompt, "layer1.output.lora_A").getArray()));
    }

    @Test
    void loraDropoutActsOnTheInputDuringTrainingOnly() {
        SoftPrompt prompt = prompt(new LoraPlugin(), Map.of("rank", 2, "dropout", 0.5), context(M, D, L, INNER, 5),
                DataType.FLOAT64);
        LowRankUpdate update = Objects.requireNonNull(prompt.getLowRankUpdate());
        Map<String, double[]> values = fill(prompt, "layer0.query.lora_A", "layer0.query.lora_B");
        int n = 50;
        double[] x = ParameterValues.uniform(4, n * D, 1);
        NDArray input = manager.create(x, new Shape(n, D));
        ParameterStore store = new ParameterStore(manager, false);
        double[] expected = loraReference(x, values.get("layer0.query.lora_A"), values.get("layer0.query.lora_B"),
                n, D, 2, D, 8.0 / 2);

        assertThat(ParameterValues.read(update.computeDelta(store, 0, LinearTarget.QUERY, input, false)))
                .as("evaluation: no dropout").containsExactly(expected, within(1e-12));
        double[] trained = ParameterValues.read(update.computeDelta(store, 0, LinearTarget.QUERY, input, true));
        assertThat(trained).as("training: dropout on the input").isNotEqualTo(expected);
        assertThat(Arrays.stream(trained).allMatch(Double::isFinite)).isTrue();
        SoftPrompt without = prompt(new LoraPlugin(), Map.of("rank", 2), context(M, D, L, INNER, 5), DataType.FLOAT64);
        fill(without, "layer0.query.lora_A", "layer0.query.lora_B");
        assertThat(ParameterValues.read(Objects.requireNonNull(without.getLowRankUpdate())
                .computeDelta(store, 0, LinearTarget.QUERY, input, true)))
                .as("training without dropout").containsExactly(expected, within(1e-12));
    }

    @ParameterizedTest(name = "L={0} d={1} inner={2} m={3}")
    @CsvSource({"6, 384, 1536, 10", "2, 16, 48, 3"})
    void countsMatchTheClosedForms(int layers, int d, int inner, int m) {
        PromptCreationContext context = context(m, d, layers, inner, 5);
        long h = d;
        int b = 400;
        int r = 8;
        long table = prompt(new PrefixTuningPlugin(), Map.of(), context, DataType.FLOAT32).getTrainableParameterCount();
        long projected = prompt(new PrefixTuningPlugin(), Map.of("projection", true), context, DataType.FLOAT32)
                .getTrainableParameterCount();
        long residual = prompt(new ResidualPrefixPlugin(), Map.of(), context, DataType.FLOAT32).getTrainableParameterCount();
        long loraQv = prompt(new LoraPlugin(), Map.of(), context, DataType.FLOAT32).getTrainableParameterCount();
        long loraAll = prompt(new LoraPlugin(), Map.of("targets", "query,key,value,attention.output,intermediate,output"),
                context, DataType.FLOAT32).getTrainableParameterCount();
        System.out.printf("L=%d d=%d inner=%d m=%d: prefix-tuning %d, with projection %d, residual-prefix %d, "
                + "lora q,v %d, lora all six %d%n", layers, d, inner, m, table, projected, residual, loraQv, loraAll);

        long width = (long) layers * 2 * d;
        assertThat(table).isEqualTo(m * width);
        assertThat(projected).isEqualTo(m * d + d * h + h + h * width + width);
        assertThat(residual).isEqualTo(width * m + 2L * d * b + b + 3L * d);
        assertThat(loraQv).isEqualTo(layers * 2L * r * (d + d));
        assertThat(loraAll).isEqualTo(layers * (4L * r * (d + d) + 2L * r * (d + inner)));
    }
}
