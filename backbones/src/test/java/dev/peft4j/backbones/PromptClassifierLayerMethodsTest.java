package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.LayerInjections;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A layer method (prefix and low-rank update, nothing at the input) through {@link PromptClassifier}:
 * trained with a frozen backbone and flat memory, prompt length 0, the verbalizer head, the fixed
 * inference options, and the T5 path's refusal.
 */
class PromptClassifierLayerMethodsTest {

    private static final Set<LinearTarget> TARGETS = EnumSet.of(LinearTarget.QUERY, LinearTarget.VALUE,
            LinearTarget.OUTPUT);

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static SoftPrompt layerPrompt(int m, Set<LinearTarget> targets) {
        return SoftPrompt.builder().setPromptSource(new LayerSource(m, targets, 4)).build();
    }

    private static EncodedBatch batch(int offset, int size) {
        List<TestData.Rte> examples = TestData.syntheticPairs(offset + size).subList(offset, offset + size);
        return backbone.getTokenizer().encodePairs(examples.stream().map(TestData.Rte::premise).toList(),
                examples.stream().map(TestData.Rte::hypothesis).toList(), 16);
    }

    private static long[] labels(int offset, int size) {
        return TestData.syntheticPairs(offset + size).subList(offset, offset + size).stream()
                .mapToLong(TestData.Rte::label).toArray();
    }

    @Test
    void trainingChangesTheMethodAndTheHeadOnlyWithFlatMemory() {
        Map<String, float[]> before = snapshot(backbone.getEncoder());
        SoftPrompt prompt = layerPrompt(2, TARGETS);
        try (Steps steps = new Steps(backbone, prompt, 1e-2f)) {
            assertThat(steps.classifier.getPromptLength()).isZero();
            Map<String, float[]> methodBefore = new LinkedHashMap<>();
            prompt.getParameters().forEach(e -> methodBefore.put(e.getKey(), e.getValue().getArray().toFloatArray()));
            AtomicBoolean encoderGradient = new AtomicBoolean();
            AtomicBoolean everyFactorGradient = new AtomicBoolean(true);
            int[] live = new int[61];
            for (int i = 1; i <= 60; i++) {
                int offset = (i * 2) % 100;
                steps.step(batch(offset, 2), labels(offset, 2), m -> {
                    encoderGradient.compareAndSet(false, backbone.getEncoder().getParameters().values().stream()
                            .anyMatch(p -> p.getArray().hasGradient()));
                    for (var entry : prompt.getParameters()) {
                        NDArray gradient = entry.getValue().getArray().getGradient();
                        gradient.attach(m);
                        if (gradient.abs().sum().getFloat() == 0) {
                            everyFactorGradient.set(false);
                        }
                    }
                });
                live[i] = steps.model.getNDManager().getManagedArrays().size()
                        + backbone.getManager().getManagedArrays().size();
            }
            assertThat(encoderGradient.get()).as("an encoder weight recorded a gradient").isFalse();
            assertThat(everyFactorGradient.get()).as("every prefix and factor got a gradient").isTrue();
            prompt.getParameters().forEach(e -> assertThat(e.getValue().getArray().toFloatArray())
                    .as(e.getKey()).isNotEqualTo(methodBefore.get(e.getKey())));
            // after warm-up (optimizer state is created on the first update) the count is flat
            assertThat(Arrays.stream(live, 10, 61).max().getAsInt()).as("live arrays, steps 10 to 60")
                    .isEqualTo(live[10]);
        }
        Map<String, float[]> after = snapshot(backbone.getEncoder());
        List<String> changed = new ArrayList<>();
        before.forEach((name, values) -> {
            if (!Arrays.equals(values, after.get(name))) {
                changed.add(name);
            }
        });
        assertThat(after).hasSameSizeAs(before);
        assertThat(changed).as("backbone weights changed by training").isEmpty();
    }

    private static Map<String, float[]> snapshot(BertEncoder encoder) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        encoder.parametersByHuggingFaceName().forEach((name, p) -> copy.put(name, p.getArray().toFloatArray()));
        return copy;
    }

    @Test
    void nothingIsInsertedAtTheInputAndTheLayersGetTheInjections() {
        SoftPrompt prompt = layerPrompt(3, TARGETS);
        PromptClassifier classifier = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                .optSoftPrompt(prompt).build();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            Shape ids = new Shape(1, 8);
            classifier.initialize(manager, DataType.FLOAT32, ids, ids, ids);
            assertThat(classifier.getPromptLength()).isZero();
            assertThat(classifier.toString()).contains("layer prefix of 3 per layer")
                    .contains("low-rank update of query, value, output");
            ParameterStore ps = new ParameterStore(manager, false);
            NDList inputs = batch(0, 3).toNDList(manager);
            float[] logits = classifier.forward(ps, inputs, false).head().toFloatArray();

            BertEncoder encoder = backbone.getEncoder();
            LayerSource source = (LayerSource) prompt.getChildren().valueAt(0);
            NDArray hidden = encoder.encode(ps, encoder.embedTokens(ps, inputs.get(0)), inputs.get(1), inputs.get(2),
                    new LayerInjections(source.computePrefix(ps, false), source), false);
            float[] expected = classifier.getHead().forward(ps, new NDList(hidden.get(new NDIndex(":, 0, :"))), false)
                    .head().toFloatArray();
            assertThat(logits).hasSize(6).containsExactly(expected);
        }
    }

    @Test
    void theVerbalizerHeadWorksWithALayerMethod() {
        Verbalizer verbalizer = Verbalizer.of(backbone, List.of("entailment", "contradiction", "neutral"));
        EncodedBatch batch = backbone.getTokenizer().encode(
                List.of("it rain ? [MASK] , the floor was wet", "[MASK] , emma saw the red ball"), 30);
        try (NDManager manager = backbone.getManager().newSubManager()) {
            float[][] logits = new float[2][];
            for (int variant = 0; variant < 2; variant++) {
                PromptClassifier.Builder builder = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                        .optVerbalizer(verbalizer);
                if (variant == 1) {
                    builder.optSoftPrompt(layerPrompt(2, TARGETS));
                }
                PromptClassifier classifier = builder.build();
                classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
                assertThat(classifier.getPromptLength()).isZero();
                NDArray scores = classifier.forward(new ParameterStore(manager, false), batch.toNDList(manager), false)
                        .head();
                assertThat(scores.getShape()).isEqualTo(new Shape(2, 3));
                logits[variant] = scores.toFloatArray();
            }
            assertThat(logits[1]).as("the layer method changes the label scores").isNotEqualTo(logits[0]);
        }
    }

    @Test
    void fixedPrefixRowsAndAFixedUpdateReproduceTheTrainedClassifier() {
        SoftPrompt prompt = layerPrompt(2, TARGETS);
        try (Steps steps = new Steps(backbone, prompt, 1e-2f)) {
            steps.step(batch(0, 2), labels(0, 2));
            try (NDManager manager = backbone.getManager().newSubManager()) {
                ParameterStore ps = new ParameterStore(manager, false);
                LayerSource source = (LayerSource) prompt.getChildren().valueAt(0);
                PromptEmbeddings rows = PromptEmbeddings.fromNDArray(
                        LayerPrefix.toPeftRows(source.computePrefix(ps, false)));
                assertThat(rows.shape().width()).isEqualTo(TinyBertFolder.LAYERS * 2 * TinyBertFolder.HIDDEN);
                PromptClassifier fixed = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                        .optFixedLayerPrefix(rows).optLowRankUpdate(source).build();
                Shape ids = new Shape(1, 8);
                fixed.initialize(manager, DataType.FLOAT32, ids, ids, ids);
                for (String name : List.of("weight", "bias")) {
                    Parameter trained = steps.classifier.getHead().getParameters().get(name);
                    trained.getArray().copyTo(fixed.getHead().getParameters().get(name).getArray());
                }
                assertThat(fixed.getPromptLength()).isZero();
                assertThat(fixed.getTrainableParameterCount()).as("the head only").isEqualTo(TinyBertFolder.HIDDEN * 2 + 2);
                assertThat(fixed.toString()).contains("fixed layer prefix of 2 per layer")
                        .contains("fixed low-rank update of query, value, output");
                EncodedBatch batch = batch(4, 3);
                float[] trained = steps.classifier.forward(ps, batch.toNDList(manager), false).head().toFloatArray();
                float[] served = fixed.forward(ps, batch.toNDList(manager), false).head().toFloatArray();
                assertThat(served).hasSize(6).containsExactly(trained);
            }
        }
    }

    @Test
    void fixedLayerOptionsAreCheckedAgainstTheEncoderAndTheSoftPrompt() {
        int width = TinyBertFolder.LAYERS * 2 * TinyBertFolder.HIDDEN;
        PromptEmbeddings wrong = new PromptEmbeddings(new dev.peft4j.api.PromptShape(2, width + 8),
                new float[2 * (width + 8)]);
        assertThatThrownBy(() -> PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                .optFixedLayerPrefix(wrong).build())
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("width " + (width + 8))
                .hasMessageContaining("= " + width);
        PromptEmbeddings right = new PromptEmbeddings(new dev.peft4j.api.PromptShape(2, width), new float[2 * width]);
        assertThatThrownBy(() -> PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                .optSoftPrompt(layerPrompt(2, Set.of())).optFixedLayerPrefix(right).build())
                .isInstanceOf(PeftException.class).hasMessageContaining("brings its own layer prefix");
    }

    @Test
    void theTextToTextClassifierRefusesLayerMethodsNamingTheReason() {
        try (Backbone t5 = Backbones.load(TinyT5Folder.shared().toString(), Device.cpu())) {
            T5Model model = t5.getT5Model().orElseThrow();
            List<long[]> labels = List.of(new long[] {5, 1}, new long[] {6, 1});
            int d = model.getHiddenSize();
            SoftPrompt prefix = SoftPrompt.builder().setPromptSource(new TestPrefixOnly(d)).build();
            SoftPrompt nothing = SoftPrompt.builder().setPromptSource(new TestLayerOnly(d)).build();
            assertThatThrownBy(() -> TextToTextClassifier.builder().setModel(model).setLabelTokenIds(labels)
                    .optSoftPrompt(prefix).build())
                    .isInstanceOf(PeftException.class).hasMessageContaining("key/value prefix")
                    .hasMessageContaining("TestPrefixOnly").hasMessageContaining("PromptClassifier");
            assertThatThrownBy(() -> TextToTextClassifier.builder().setModel(model).setLabelTokenIds(labels)
                    .optSoftPrompt(nothing).build())
                    .isInstanceOf(PeftException.class).hasMessageContaining("no prompt at the input");
        }
    }

    /** A source of any width that inserts nothing at the input and has no layer capability either. */
    private static class TestLayerOnly extends dev.peft4j.api.AbstractPromptSource {
        TestLayerOnly(int width) {
            super((byte) 1, new dev.peft4j.api.PromptShape(2, width));
        }

        @Override
        public boolean insertsInputPrompt() {
            return false;
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            throw new IllegalStateException("nothing at the input");
        }
    }

    /** A layer-only source with a (zero) prefix. */
    private static final class TestPrefixOnly extends TestLayerOnly implements dev.peft4j.api.LayerPrefix {
        TestPrefixOnly(int width) {
            super(width);
        }

        @Override
        public int getPrefixLength() {
            return 2;
        }

        @Override
        public NDArray computePrefix(ParameterStore parameterStore, boolean training) {
            throw new IllegalStateException("not computed in this test");
        }
    }
}
