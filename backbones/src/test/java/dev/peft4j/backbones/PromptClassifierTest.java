package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The prompt classifier on the tiny random BERT: frozen backbone, gradients to P, memory, and variants. */
class PromptClassifierTest {

    private static final int D = TinyBertFolder.HIDDEN;
    private static final int POSITIONS = TinyBertFolder.POSITIONS;

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private EncodedBatch smallBatch(int offset, int size, int maxTokens) {
        List<TestData.Rte> examples = TestData.syntheticPairs(offset + size).subList(offset, offset + size);
        return backbone.getTokenizer().encodePairs(examples.stream().map(TestData.Rte::premise).toList(),
                examples.stream().map(TestData.Rte::hypothesis).toList(), maxTokens);
    }

    private static long[] labels(int offset, int size) {
        return TestData.syntheticPairs(offset + size).subList(offset, offset + size).stream()
                .mapToLong(TestData.Rte::label).toArray();
    }

    @Test
    void trainingChangesOnlyThePromptAndTheHead() {
        Map<String, float[]> before = snapshot(backbone.getEncoder());
        try (Steps steps = new Steps(backbone, 10, 1e-2f)) {
            SoftPrompt prompt = steps.classifier.getSoftPrompt();
            float[] promptBefore = prompt.getPromptParameter().getArray().toFloatArray();
            float[] headBefore = steps.classifier.getHead().getParameters().get("weight").getArray().toFloatArray();
            AtomicReference<Float> promptGradient = new AtomicReference<>(0f);
            AtomicReference<Boolean> encoderHasGradient = new AtomicReference<>(false);
            for (int i = 0; i < 50; i++) {
                int offset = (i * 2) % 200;
                steps.step(smallBatch(offset, 2, 16), labels(offset, 2), m -> {
                    NDArray grad = prompt.getPromptParameter().getArray().getGradient();
                    grad.attach(m);
                    promptGradient.set(Math.max(promptGradient.get(), grad.abs().sum().getFloat()));
                    boolean any = backbone.getEncoder().getParameters().values().stream()
                            .anyMatch(p -> p.getArray().hasGradient());
                    encoderHasGradient.set(encoderHasGradient.get() || any);
                });
            }
            assertThat(promptGradient.get()).as("largest |grad P| sum").isGreaterThan(0f);
            assertThat(encoderHasGradient.get()).as("an encoder weight recorded a gradient").isFalse();
            assertThat(prompt.getPromptParameter().getArray().toFloatArray()).isNotEqualTo(promptBefore);
            assertThat(steps.classifier.getHead().getParameters().get("weight").getArray().toFloatArray())
                    .isNotEqualTo(headBefore);
            assertThat(steps.classifier.getTrainableParameterCount()).isEqualTo(10 * D + D * 2 + 2);
        }
        Map<String, float[]> after = snapshot(backbone.getEncoder());
        assertThat(after.keySet()).isEqualTo(before.keySet()).hasSize(TinyBertFolder.LAYERS * 16 + 5);
        List<String> changed = new ArrayList<>();
        before.forEach((name, values) -> {
            if (!Arrays.equals(values, after.get(name))) {
                changed.add(name);
            }
        });
        assertThat(changed).as("backbone weights changed by training").isEmpty();
    }

    private static Map<String, float[]> snapshot(BertEncoder encoder) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        encoder.parametersByHuggingFaceName().forEach((name, p) -> copy.put(name, p.getArray().toFloatArray()));
        return copy;
    }

    @Test
    void liveArraysDoNotGrowOverTwoHundredSteps() {
        try (Steps steps = new Steps(backbone, 4, 1e-3f)) {
            EncodedBatch batch = smallBatch(0, 1, 12);
            long[] labels = labels(0, 1);
            int[] counts = new int[201];
            for (int i = 1; i <= 200; i++) {
                steps.step(batch, labels);
                counts[i] = liveArrays(steps);
            }
            // after warm-up (optimizer state is created on the first update) the count is flat
            assertThat(counts[200]).as("live arrays at step 200 vs step 10").isEqualTo(counts[10]);
            assertThat(Arrays.stream(counts, 10, 201).max().getAsInt()).isEqualTo(counts[10]);
        }
    }

    private int liveArrays(Steps steps) {
        return steps.model.getNDManager().getManagedArrays().size() + backbone.getManager().getManagedArrays().size();
    }

    @Test
    void fixedExportedPromptGivesTheSameLogitsAsTheSoftPrompt() {
        try (Steps steps = new Steps(backbone, 5, 1e-2f)) {
            EncodedBatch batch = smallBatch(0, 3, 40);
            steps.step(batch, labels(0, 3));
            PromptEmbeddings exported = steps.classifier.getSoftPrompt().export();
            PromptClassifier fixed = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                    .optFixedPrompt(exported).build();
            try (NDManager manager = backbone.getManager().newSubManager()) {
                Shape ids = new Shape(1, 8);
                fixed.initialize(manager, DataType.FLOAT32, ids, ids, ids);
                Parameter trainedWeight = steps.classifier.getHead().getParameters().get("weight");
                Parameter trainedBias = steps.classifier.getHead().getParameters().get("bias");
                trainedWeight.getArray().copyTo(fixed.getHead().getParameters().get("weight").getArray());
                trainedBias.getArray().copyTo(fixed.getHead().getParameters().get("bias").getArray());
                assertThat(fixed.getPromptLength()).isEqualTo(5);
                assertThat(fixed.getTrainableParameterCount()).isEqualTo(D * 2 + 2);

                float[] soft = steps.classifier.forward(new ParameterStore(manager, false), batch.toNDList(manager), false)
                        .head().toFloatArray();
                float[] exact = fixed.forward(new ParameterStore(manager, false), batch.toNDList(manager), false)
                        .head().toFloatArray();
                assertThat(exact).hasSize(6).containsExactly(soft);
            }
        }
    }

    @Test
    void noPromptVariantIsEncoderAndHead() {
        PromptClassifier plain = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(3).build();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            Shape ids = new Shape(1, 8);
            plain.initialize(manager, DataType.FLOAT32, ids, ids, ids);
            EncodedBatch batch = smallBatch(0, 2, POSITIONS);
            NDArray logits = plain.forward(new ParameterStore(manager, false), batch.toNDList(manager), false).head();
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(plain.getPromptLength()).isZero();
            assertThat(plain.getSoftPrompt()).isNull();
            assertThat(plain.getTrainableParameterCount()).isEqualTo(D * 3 + 3);
        }
    }

    @Test
    void textThatWithThePromptExceedsMaxPositionsFailsUnlessTruncatedForIt() {
        try (Steps steps = new Steps(backbone, 10, 1e-3f)) {
            String longText = "token ".repeat(1000);
            EncodedBatch tooLong = backbone.getTokenizer().encode(List.of(longText), POSITIONS);
            try (NDManager manager = backbone.getManager().newSubManager()) {
                assertThatThrownBy(() -> steps.classifier.forward(
                        new ParameterStore(manager, false), tooLong.toNDList(manager), false))
                        .isInstanceOf(ShapeMismatchException.class)
                        .hasMessageContaining(POSITIONS + " tokens plus a prompt of 10 make " + (POSITIONS + 10)
                                + " positions")
                        .hasMessageContaining("maxTokens = maxLength - 10");
                EncodedBatch fitted = backbone.getTokenizer().encode(List.of(longText), POSITIONS - 10);
                NDArray logits = steps.classifier.forward(
                        new ParameterStore(manager, false), fitted.toNDList(manager), false).head();
                assertThat(logits.getShape()).isEqualTo(new Shape(1, 2));
            }
        }
    }

    @Test
    void unfreezingTheClassifierLeavesTheEncoderFrozen() {
        PromptClassifier classifier = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                .build();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            Shape ids = new Shape(1, 8);
            classifier.initialize(manager, DataType.FLOAT32, ids, ids, ids);
            classifier.freezeParameters(true);
            assertThat(classifier.getHead().getParameters().values()).noneMatch(Parameter::requiresGradient);
            classifier.freezeParameters(false); // what DJL does in newTrainer for a model loaded from disk
            assertThat(classifier.getHead().getParameters().values()).allMatch(Parameter::requiresGradient);
            assertThat(backbone.getEncoder().getParameters().values()).noneMatch(Parameter::requiresGradient);
            classifier.freezeParameters(false, p -> true);
            assertThat(backbone.getEncoder().getParameters().values()).noneMatch(Parameter::requiresGradient);
        }
    }

    @Test
    void classifierParametersAndLogitsStayOnTheBackboneDevice() {
        try (Steps steps = new Steps(backbone, 3, 1e-3f)) {
            assertThat(steps.classifier.getParameters().values())
                    .allSatisfy(p -> assertThat(p.getArray().getDevice()).isEqualTo(backbone.getDevice()));
            EncodedBatch batch = smallBatch(0, 2, 16);
            try (NDManager step = steps.trainer.getManager().newSubManager()) {
                NDArray logits = steps.trainer.forward(batch.toNDList(step)).head();
                assertThat(logits.getDevice()).isEqualTo(backbone.getDevice());
                assertThat(logits.getShape()).isEqualTo(new Shape(2, 2));
            }
        }
    }

    @Test
    void promptOfAnotherWidthIsRejected() {
        SoftPrompt wrong = SoftPrompt.builder().setReparameterizer(new IdentityReparameterizer(new PromptShape(4, 768)))
                .build();
        assertThatThrownBy(() -> PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                .optSoftPrompt(wrong).build())
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("width 768").hasMessageContaining("hidden size " + D);
    }
}
