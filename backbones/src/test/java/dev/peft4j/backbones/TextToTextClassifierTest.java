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
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.SoftPrompt;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Text-to-text scoring on the tiny T5 v1.1 checkpoint: the batched teacher-forced log-likelihoods
 * of label texts of different lengths match transformers' golden values and a one-label-at-a-time
 * decoder pass, the prompt's gradient reaches a trainable {@link SoftPrompt}, the loss is
 * transformers' mean label loss, and greedy decoding follows the logits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TextToTextClassifierTest {

    /** Class 0 is the golden label [9, </s>]; the others differ in length. */
    private static final List<long[]> LABELS = List.of(new long[] {9, 1}, new long[] {5, 1}, new long[] {5, 7, 1});

    private JsonObject golden;
    private Backbone backbone;
    private NDManager manager;

    @BeforeAll
    void load() throws IOException {
        golden = T5GoldenTest.golden();
        backbone = Backbones.load(T5GoldenTest.folder("t5-tiny-v11").toString(), Device.cpu());
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterAll
    void close() {
        manager.close();
        backbone.close();
    }

    private NDArray input(String key, boolean integer) {
        var element = golden.getAsJsonObject("inputs").get(key);
        return integer ? T5GoldenTest.longs(manager, element) : T5GoldenTest.floats(manager, element);
    }

    private JsonObject scoring() {
        return golden.getAsJsonObject("models").getAsJsonObject("t5-tiny-v11").getAsJsonObject("label_scoring");
    }

    private static float[] column(NDArray scores, int c) {
        return scores.get(":, " + c).toFloatArray();
    }

    private static float[] floats(com.google.gson.JsonElement values) {
        var array = values.getAsJsonArray();
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsFloat();
        }
        return out;
    }

    @Test
    void scoresAreTheLabelLogLikelihoodsInOneBatchedPass() {
        TextToTextClassifier classifier = TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).build();
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray ids = input("input_ids", true);
        NDArray mask = input("attention_mask", true);
        NDArray scores = classifier.forward(ps, new NDList(ids, mask), false).singletonOrThrow();
        assertThat(scores.getShape()).isEqualTo(new Shape(2, 3));
        assertThat(column(scores, 0)).containsExactly(floats(scoring().get("log_likelihood_no_prompt")),
                org.assertj.core.data.Offset.offset((float) T5GoldenTest.TOLERANCE));
        // each label alone, unpadded, gives the same log-likelihood as in the padded batch
        T5Model model = backbone.getT5Model().orElseThrow();
        NDArray hidden = model.encode(ps, model.embedTokens(ps, ids), mask, false);
        for (int c = 0; c < LABELS.size(); c++) {
            long[] label = LABELS.get(c);
            long[] shifted = new long[label.length];
            System.arraycopy(label, 0, shifted, 1, label.length - 1);
            NDArray decoderIds = manager.create(shifted, new Shape(1, label.length)).repeat(0, 2);
            NDArray logProbs = model.logits(ps, model.decode(ps, decoderIds, hidden, mask, false)).logSoftmax(-1);
            NDArray target = manager.create(label, new Shape(1, label.length, 1)).repeat(0, 2);
            float[] alone = logProbs.gather(target, 2).sum(new int[] {1, 2}).toFloatArray();
            assertThat(column(scores, c)).as("class %d", c).containsExactly(alone,
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void aFixedPromptGivesTheGoldenScoresAndLoss() {
        TextToTextClassifier classifier = TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).optFixedPrompt(PromptEmbeddings.fromNDArray(input("soft_prompt", false)))
                .build();
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray scores = classifier.scores(ps, input("input_ids", true), input("attention_mask", true), false);
        assertThat(column(scores, 0)).containsExactly(floats(scoring().get("log_likelihood_with_prompt")),
                org.assertj.core.data.Offset.offset((float) T5GoldenTest.TOLERANCE));
        assertThat(classifier.loss(scores, new long[] {0, 0}).getFloat())
                .isCloseTo(scoring().get("hf_mean_loss_with_prompt").getAsFloat(),
                        org.assertj.core.data.Offset.offset((float) T5GoldenTest.TOLERANCE));
        assertThat(classifier.getTrainableParameterCount()).isZero();
    }

    @Test
    void theGradientReachesATrainablePrompt() throws InterruptedException {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new IdentityReparameterizer(new PromptShape(3, 16)))
                .optSeed(1).build();
        TextToTextClassifier classifier = TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).optSoftPrompt(prompt).build();
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        NDArray p = prompt.getPromptParameter().getArray();
        p.set(input("soft_prompt", false).toFloatArray());
        p.setRequiresGradient(true);
        assertThat(classifier.getTrainableParameterCount()).isEqualTo(48);
        ParameterStore ps = new ParameterStore(manager, false);
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray scores = classifier.scores(ps, input("input_ids", true), input("attention_mask", true), true);
            // the loss of gold class 0 is minus the summed log-likelihoods over the 4 gold tokens
            NDArray loss = classifier.loss(scores, new long[] {0, 0});
            // freed scalars would be read by backward now (Number operands; see GarbageCollectionSafetyTest)
            GarbageCollectionSafetyTest.churnDirectMemory();
            collector.backward(loss);
        }
        float[] expected = T5GoldenTest.floats(manager, scoring().get("grad_sum_log_likelihood_with_prompt_wrt_prompt"))
                .div(-4f).toFloatArray();
        assertThat(p.getGradient().toFloatArray()).containsExactly(expected,
                org.assertj.core.data.Offset.offset((float) T5GoldenTest.TOLERANCE / 4));
    }

    @Test
    void theSummedLogLikelihoodsHaveTheGoldenGradient() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new IdentityReparameterizer(new PromptShape(3, 16)))
                .optSeed(1).build();
        TextToTextClassifier classifier = TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).optSoftPrompt(prompt).build();
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        NDArray p = prompt.getPromptParameter().getArray();
        p.set(input("soft_prompt", false).toFloatArray());
        p.setRequiresGradient(true);
        ParameterStore ps = new ParameterStore(manager, false);
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray scores = classifier.scores(ps, input("input_ids", true), input("attention_mask", true), true);
            collector.backward(scores.get(":, 0").sum());
        }
        float[] expected = T5GoldenTest.floats(manager, scoring().get("grad_sum_log_likelihood_with_prompt_wrt_prompt"))
                .toFloatArray();
        assertThat(p.getGradient().toFloatArray()).containsExactly(expected,
                org.assertj.core.data.Offset.offset((float) T5GoldenTest.TOLERANCE));
    }

    @Test
    void greedyDecodingFollowsTheLogits() {
        TextToTextClassifier classifier = TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).build();
        ParameterStore ps = new ParameterStore(manager, false);
        NDArray ids = input("input_ids", true);
        NDArray mask = input("attention_mask", true);
        List<long[]> generated = classifier.generate(ps, ids, mask, 6);
        assertThat(generated).hasSize(2);
        T5Model model = backbone.getT5Model().orElseThrow();
        NDArray hidden = model.encode(ps, model.embedTokens(ps, ids), mask, false);
        for (int b = 0; b < 2; b++) {
            long[] tokens = generated.get(b);
            assertThat(tokens.length).isBetween(0, 6);
            // every generated token is the argmax after its prefix; a sequence shorter than 6 ended with </s>
            long[] prefix = {0};
            for (int t = 0; t <= tokens.length && t < 6; t++) {
                NDArray rowHidden = hidden.get(b + ":" + (b + 1));
                NDArray rowMask = mask.get(b + ":" + (b + 1));
                NDArray logits = model.logits(ps, model.decode(ps, manager.create(prefix, new Shape(1, prefix.length)),
                        rowHidden, rowMask, false));
                long best = logits.get("0, -1").argMax().getLong();
                long expected = t < tokens.length ? tokens[t] : 1;
                assertThat(best).as("example %d, token %d", b, t).isEqualTo(expected);
                prefix = java.util.Arrays.copyOf(prefix, prefix.length + 1);
                prefix[prefix.length - 1] = best;
            }
        }
    }

    @Test
    void aFolderWithATokenizerTurnsTextsIntoInputsAndLabelTexts() {
        try (Backbone tiny = Backbones.load(TinyT5Folder.shared().toString(), Device.cpu())) {
            assertThat(tiny.isTextToText()).isTrue();
            List<long[]> labels = TextToTextClassifier.labelTokenIds(tiny, List.of("entailment", "not_entailment"));
            assertThat(labels).containsExactly(new long[] {3, 1}, new long[] {4, 1});
            EncodedBatch batch = tiny.getTokenizer().encode(List.of("rte sentence1: Max painted a coat.", "Max"), 32);
            List<String> vocabulary = TinyT5Folder.vocabulary();
            long[] ids = batch.tokenIds();
            assertThat(batch.length()).isEqualTo(9);
            assertThat(java.util.Arrays.copyOf(ids, 9)).containsExactly(vocabulary.indexOf("rte"),
                    vocabulary.indexOf("sentence1"), vocabulary.indexOf(":"), vocabulary.indexOf("max"),
                    vocabulary.indexOf("painted"), vocabulary.indexOf("a"), vocabulary.indexOf("coat"),
                    vocabulary.indexOf("."), 1);
            // </s> appended, then padding with the pad id 0 and mask 0
            assertThat(java.util.Arrays.copyOfRange(ids, 9, 18)).containsExactly(vocabulary.indexOf("max"), 1, 0, 0, 0,
                    0, 0, 0, 0);
            assertThat(batch.tokenCount(1)).isEqualTo(2);
            TextToTextClassifier classifier = TextToTextClassifier.builder()
                    .setModel(tiny.getT5Model().orElseThrow()).setLabelTokenIds(labels).build();
            NDArray scores = classifier.forward(new ParameterStore(manager, false), batch.toNDList(manager), false)
                    .singletonOrThrow();
            assertThat(scores.getShape()).isEqualTo(new Shape(2, 2));
            assertThat(scores.max().getFloat()).isNegative();
        }
    }

    @Test
    void labelTextsMustBeDistinctAndNonEmpty() {
        assertThatThrownBy(() -> TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(List.of(new long[] {9, 1}, new long[] {9, 1})).build())
                .isInstanceOf(PeftException.class).hasMessageContaining("distinct label texts");
        assertThatThrownBy(() -> TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(List.of(new long[0])).build())
                .isInstanceOf(PeftException.class).hasMessageContaining("no tokens");
    }

    @Test
    void aPromptWithATextUpdateIsRefusedRatherThanDropped() {
        // only P' goes into the T5 encoder: a method's text update (DePT) would silently be lost
        SoftPrompt updating = SoftPrompt.builder()
                .setPromptSource(new TextEmbeddingUpdateTest.Updating(new PromptShape(3, 16), 8)).build();
        assertThatThrownBy(() -> TextToTextClassifier.builder().setModel(backbone.getT5Model().orElseThrow())
                .setLabelTokenIds(LABELS).optSoftPrompt(updating).build())
                .isInstanceOf(PeftException.class).hasMessageContaining("also updates the text's input embeddings");
    }
}
