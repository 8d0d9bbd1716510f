package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.LayerInjections;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The encoder's injection points ({@link BertEncoder#encode(ParameterStore, NDArray, NDArray, NDArray,
 * LayerInjections, boolean)}) and {@link BertEncoder#mergeLowRank} on the tiny random BERT, against
 * the float64 loop of {@link ReferenceBert}: outputs, gradients by central differences, padding,
 * shape checks, and a merge that matches the unmerged update and restores the weights.
 */
class BertEncoderInjectionsTest {

    private static final List<String> PADDED = List.of("a cat sat on a mat", "hello");
    private static final List<String> UNPADDED = List.of("a cat sat", "the red ball");
    private static final Set<LinearTarget> ALL = EnumSet.allOf(LinearTarget.class);

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    /** One forward of the encoder and of the reference with the same source; the largest difference. */
    private static double largestDifference(List<String> texts, int m, Set<LinearTarget> targets) {
        try (NDManager step = backbone.getManager().newSubManager()) {
            LayerSource source = new LayerSource(m, targets, 11);
            source.initialize(step, DataType.FLOAT32);
            EncodedBatch batch = backbone.getTokenizer().encode(texts, 16);
            NDList inputs = batch.toNDList(step);
            ParameterStore ps = new ParameterStore(step, false);
            float[] actual = encode(ps, source, inputs, inputs.get(0).getShape()).toFloatArray();
            double[] expected = reference(source, inputs, step, ps, null);
            double largest = 0;
            for (int i = 0; i < actual.length; i++) {
                largest = Math.max(largest, Math.abs(actual[i] - expected[i]));
            }
            return largest;
        }
    }

    private static NDArray encode(ParameterStore ps, LayerSource source, NDList inputs, Shape ids) {
        BertEncoder encoder = backbone.getEncoder();
        NDArray embeddings = encoder.embedTokens(ps, inputs.get(0));
        NDArray prefix = source.getPrefixLength() > 0 ? source.computePrefix(ps, true) : null;
        LayerInjections injections = new LayerInjections(prefix, source.getTargets().isEmpty() ? null : source);
        return encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), injections, true);
    }

    /** The reference on the source's values, with {@code override} (parameter id to values) replacing some. */
    private static double[] reference(LayerSource source, NDList inputs, NDManager step, ParameterStore ps,
            Map<String, double[]> override) {
        Map<String, double[]> values = new HashMap<>();
        source.getParameters().forEach(e -> values.put(e.getValue().getId(),
                ReferenceBert.toDouble(e.getValue().getArray().toFloatArray())));
        if (override != null) {
            values.putAll(override);
        }
        Map<String, ReferenceBert.Factors> lora = new HashMap<>();
        for (int l = 0; l < TinyBertFolder.LAYERS; l++) {
            for (LinearTarget target : source.getTargets()) {
                List<Parameter> ab = source.factorParameters(l, target);
                lora.put(l + "/" + target.id(), new ReferenceBert.Factors(values.get(ab.get(0).getId()),
                        values.get(ab.get(1).getId()), LayerSource.RANK));
            }
        }
        int m = source.getPrefixLength();
        double[] prefix = m > 0 ? values.get(source.prefixParameter().getId()) : null;
        Shape shape = inputs.get(0).getShape();
        double[] embeddings = ReferenceBert.toDouble(backbone.getEncoder().embedTokens(ps, inputs.get(0)).toFloatArray());
        return new ReferenceBert(backbone.getEncoder()).encode(embeddings, inputs.get(1).toLongArray(),
                inputs.get(2).toLongArray(), (int) shape.get(0), (int) shape.get(1), prefix, m, lora, LayerSource.SCALE);
    }

    @Test
    void prefixAndLowRankUpdatesMatchTheFloat64Reference() {
        for (List<String> texts : List.of(PADDED, UNPADDED)) {
            assertThat(largestDifference(texts, 3, Set.of())).as("prefix only, %s", texts).isLessThan(1e-5);
            assertThat(largestDifference(texts, 0, ALL)).as("all six linear layers, %s", texts).isLessThan(1e-5);
            assertThat(largestDifference(texts, 2, EnumSet.of(LinearTarget.QUERY, LinearTarget.VALUE)))
                    .as("prefix and LoRA on query and value, %s", texts).isLessThan(1e-5);
        }
    }

    @Test
    void theReferenceIsNotTrivial() {
        // the reference without injections still matches the plain encoder, and the injections change the output
        try (NDManager step = backbone.getManager().newSubManager()) {
            LayerSource none = new LayerSource(0, Set.of(), 11);
            none.initialize(step, DataType.FLOAT32);
            LayerSource some = new LayerSource(2, ALL, 11);
            some.initialize(step, DataType.FLOAT32);
            NDList inputs = backbone.getTokenizer().encode(PADDED, 16).toNDList(step);
            ParameterStore ps = new ParameterStore(step, false);
            BertEncoder encoder = backbone.getEncoder();
            float[] plain = encoder.encode(ps, encoder.embedTokens(ps, inputs.get(0)), inputs.get(1), inputs.get(2),
                    false).toFloatArray();
            double[] expected = reference(none, inputs, step, ps, null);
            double[] injected = reference(some, inputs, step, ps, null);
            double changed = 0;
            for (int i = 0; i < plain.length; i++) {
                assertThat((double) plain[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5));
                changed = Math.max(changed, Math.abs(injected[i] - expected[i]));
            }
            assertThat(changed).isGreaterThan(0.05);
        }
    }

    /**
     * Autograd in float32 against central differences of the float64 reference (step 1e-4: its
     * truncation error, about h² times the third derivative, and its rounding, about 1e-16 / h,
     * are both below 1e-8, so the difference measured is float32 rounding alone, of the order of
     * 1e-6 of the largest gradient through two layers and back; the bound is 1e-4 of it).
     */
    @Test
    void gradientsReachThePrefixAndTheLowRankFactors() {
        Set<LinearTarget> targets = EnumSet.of(LinearTarget.KEY, LinearTarget.INTERMEDIATE, LinearTarget.OUTPUT);
        try (NDManager step = backbone.getManager().newSubManager()) {
            LayerSource source = new LayerSource(2, targets, 5);
            source.initialize(step, DataType.FLOAT32);
            NDList inputs = backbone.getTokenizer().encode(PADDED, 16).toNDList(step);
            ParameterStore ps = new ParameterStore(step, false);
            Shape ids = inputs.get(0).getShape();
            int size = (int) (ids.size() * TinyBertFolder.HIDDEN);
            double[] weights = new double[size];
            Random random = new Random(9);
            for (int i = 0; i < size; i++) {
                weights[i] = random.nextDouble() - 0.5;
            }
            float[] floatWeights = new float[size];
            for (int i = 0; i < size; i++) {
                floatWeights[i] = (float) weights[i];
            }
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray hidden = encode(ps, source, inputs, ids);
                collector.backward(hidden.mul(step.create(floatWeights, hidden.getShape())).sum());
            }
            List<Parameter> checked = new ArrayList<>(List.of(source.prefixParameter()));
            checked.addAll(source.factorParameters(0, LinearTarget.KEY));
            checked.addAll(source.factorParameters(1, LinearTarget.INTERMEDIATE));
            checked.addAll(source.factorParameters(0, LinearTarget.OUTPUT));
            double h = 1e-4;
            for (Parameter parameter : checked) {
                float[] autograd = parameter.getArray().getGradient().toFloatArray();
                double[] base = ReferenceBert.toDouble(parameter.getArray().toFloatArray());
                double[] numeric = new double[base.length];
                double largest = 0;
                for (int i = 0; i < base.length; i++) {
                    double[] plus = base.clone();
                    plus[i] += h;
                    double[] minus = base.clone();
                    minus[i] -= h;
                    numeric[i] = (dot(weights, reference(source, inputs, step, ps, Map.of(parameter.getId(), plus)))
                            - dot(weights, reference(source, inputs, step, ps, Map.of(parameter.getId(), minus))))
                            / (2 * h);
                    largest = Math.max(largest, Math.abs(numeric[i]));
                }
                assertThat(largest).as("gradient of %s", parameter.getName()).isGreaterThan(1e-3);
                for (int i = 0; i < base.length; i++) {
                    assertThat((double) autograd[i]).as("d loss / d %s[%d]", parameter.getName(), i)
                            .isCloseTo(numeric[i], org.assertj.core.data.Offset.offset(1e-4 * largest));
                }
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

    @Test
    void paddedKeysStayMaskedAndPrefixKeysAreAttended() {
        try (NDManager step = backbone.getManager().newSubManager()) {
            LayerSource source = new LayerSource(3, EnumSet.of(LinearTarget.VALUE), 2);
            source.initialize(step, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(step, false);
            EncodedBatch padded = backbone.getTokenizer().encode(PADDED, 16);
            EncodedBatch alone = backbone.getTokenizer().encode(List.of(PADDED.get(1)), 16);
            int real = alone.length();
            assertThat(padded.length()).isGreaterThan(real);
            NDList inputs = padded.toNDList(step);
            float[] batch = encode(ps, source, inputs, inputs.get(0).getShape()).toFloatArray();
            NDList single = alone.toNDList(step);
            float[] own = encode(ps, source, single, single.get(0).getShape()).toFloatArray();
            int d = TinyBertFolder.HIDDEN;
            int offset = padded.length() * d;
            for (int i = 0; i < real * d; i++) {
                assertThat(batch[offset + i]).as("padded row %d vs alone", i)
                        .isCloseTo(own[i], org.assertj.core.data.Offset.offset(1e-5f));
            }
            // and the prefix counts: without it the same row differs
            BertEncoder encoder = backbone.getEncoder();
            float[] withoutPrefix = encoder.encode(ps, encoder.embedTokens(ps, single.get(0)), single.get(1),
                    single.get(2), new LayerInjections(null, source), false).toFloatArray();
            double changed = 0;
            for (int i = 0; i < own.length; i++) {
                changed = Math.max(changed, Math.abs(own[i] - withoutPrefix[i]));
            }
            assertThat(changed).as("largest change by the prefix").isGreaterThan(0.05);
        }
    }

    @Test
    void noInjectionsIsExactlyThePlainEncoder() {
        try (NDManager step = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            BertEncoder encoder = backbone.getEncoder();
            for (List<String> texts : List.of(PADDED, UNPADDED)) {
                NDList inputs = backbone.getTokenizer().encode(texts, 16).toNDList(step);
                NDArray embeddings = encoder.embedTokens(ps, inputs.get(0));
                float[] plain = encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), false).toFloatArray();
                float[] none = encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), LayerInjections.none(), false)
                        .toFloatArray();
                assertThat(none).containsExactly(plain);
            }
        }
    }

    @Test
    void prefixesOfAnotherModelAreRefusedWithTheExpectedShape() {
        try (NDManager step = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(step, false);
            BertEncoder encoder = backbone.getEncoder();
            NDList inputs = backbone.getTokenizer().encode(UNPADDED, 16).toNDList(step);
            NDArray embeddings = encoder.embedTokens(ps, inputs.get(0));
            for (Shape wrong : List.of(new Shape(3, 2, 4, 8), new Shape(2, 2, 4, 6))) {
                LayerInjections injections = new LayerInjections(step.zeros(wrong), null);
                assertThatThrownBy(() -> encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), injections, false))
                        .isInstanceOf(ShapeMismatchException.class)
                        .hasMessageContaining("must have shape (2, 2, m, 8)").hasMessageContaining("got " + wrong);
            }
            int length = (int) inputs.get(0).getShape().get(1);
            int m = TinyBertFolder.POSITIONS - length + 1;
            LayerInjections tooLong = new LayerInjections(step.zeros(new Shape(2, 2, m, 8)), null);
            assertThatThrownBy(() -> encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), tooLong, false))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("maxTokens = " + TinyBertFolder.POSITIONS + " - " + m);
        }
    }

    @Test
    void mergedWeightsGiveTheUnmergedOutputsAndCloseRestoresThemBitForBit() {
        BertEncoder encoder = backbone.getEncoder();
        try (NDManager step = backbone.getManager().newSubManager()) {
            LayerSource source = new LayerSource(0, ALL, 21);
            source.initialize(step, DataType.FLOAT32);
            ParameterStore ps = new ParameterStore(step, false);
            NDList inputs = backbone.getTokenizer().encode(PADDED, 16).toNDList(step);
            NDArray embeddings = encoder.embedTokens(ps, inputs.get(0));
            float[] plain = encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), false).toFloatArray();
            float[] unmerged = encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2),
                    new LayerInjections(null, source), false).toFloatArray();
            Map<String, int[]> before = bits(encoder);

            float[] merged;
            try (LowRankMerge merge = encoder.mergeLowRank(source, ps)) {
                merged = encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), false).toFloatArray();
                assertThatThrownBy(() -> encoder.mergeLowRank(source, ps)).isInstanceOf(PeftException.class)
                        .hasMessageContaining("still merged").hasMessageContaining("close it first");
                assertThatThrownBy(() -> encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2),
                        new LayerInjections(null, source), false)).isInstanceOf(PeftException.class)
                        .hasMessageContaining("count it twice");
                assertThat(merge.isOpen()).isTrue();
            }
            double largest = 0;
            double change = 0;
            for (int i = 0; i < plain.length; i++) {
                largest = Math.max(largest, Math.abs(merged[i] - unmerged[i]));
                change = Math.max(change, Math.abs(unmerged[i] - plain[i]));
            }
            assertThat(largest).as("merged vs unmerged").isLessThan(1e-5);
            assertThat(change).as("the update changes the output").isGreaterThan(0.05);

            // restored by copying the saved values back, not by subtracting: bit-identical
            Map<String, int[]> after = bits(encoder);
            assertThat(after.keySet()).isEqualTo(before.keySet());
            before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
            assertThat(encoder.encode(ps, embeddings, inputs.get(1), inputs.get(2), false).toFloatArray())
                    .containsExactly(plain);
            // and another merge may follow
            encoder.mergeLowRank(source, ps).close();
        }
    }

    @Test
    void aMergeOfTheWrongShapeChangesNothing() {
        BertEncoder encoder = backbone.getEncoder();
        try (NDManager step = backbone.getManager().newSubManager()) {
            Map<String, int[]> before = bits(encoder);
            dev.peft4j.api.LowRankUpdate wrong = new dev.peft4j.api.LowRankUpdate() {
                @Override
                public Set<LinearTarget> getTargets() {
                    return EnumSet.of(LinearTarget.QUERY, LinearTarget.OUTPUT);
                }

                @Override
                public float getScale() {
                    return 1;
                }

                @Override
                public NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target) {
                    // right for the query, transposed for the output layer
                    int in = TinyBertFolder.HIDDEN;
                    int out = target == LinearTarget.OUTPUT ? TinyBertFolder.INTERMEDIATE : TinyBertFolder.HIDDEN;
                    return new NDList(step.ones(new Shape(1, in)), step.ones(new Shape(out, 1)));
                }
            };
            assertThatThrownBy(() -> encoder.mergeLowRank(wrong, new ParameterStore(step, false)))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("layer 0's output")
                    .hasMessageContaining("(16, 8)").hasMessageContaining("(8, 16)");
            Map<String, int[]> after = bits(encoder);
            before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
            LayerSource right = new LayerSource(0, ALL, 1);
            right.initialize(step, DataType.FLOAT32);
            encoder.mergeLowRank(right, new ParameterStore(step, false)).close();
        }
    }

    private static Map<String, int[]> bits(BertEncoder encoder) {
        Map<String, int[]> map = new java.util.LinkedHashMap<>();
        encoder.parametersByHuggingFaceName().forEach((name, p) -> {
            float[] values = p.getArray().toFloatArray();
            int[] raw = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                raw[i] = Float.floatToRawIntBits(values[i]);
            }
            map.put(name, raw);
        });
        return map;
    }
}
