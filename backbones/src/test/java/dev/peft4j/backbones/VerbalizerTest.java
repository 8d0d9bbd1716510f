package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.testkit.ReferenceMath;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verbalizer head on the tiny random BERT (with its MLM head), against float64 loops. */
class VerbalizerTest {

    private static final int D = TinyBertFolder.HIDDEN;
    private static final List<String> WORDS = List.of("entailment", "contradiction", "neutral");

    @Test
    void scoresTheLabelWordsAtTheMaskLikeAFloat64Reference() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
                NDManager step = backbone.getManager().newSubManager()) {
            Verbalizer verbalizer = Verbalizer.of(backbone, WORDS);
            EncodedBatch batch = backbone.getTokenizer().encode(
                    List.of("it rain ? [MASK] , the floor was wet", "[MASK] , emma saw the red ball in the park"), 60);
            verbalizer.checkMasks(batch);
            int n = 3;
            PromptEmbeddings prompt = new PromptEmbeddings(new PromptShape(n, D), random(n * D, 5));
            for (PromptEmbeddings fixed : java.util.Arrays.asList(null, prompt)) {
                PromptClassifier.Builder builder = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                        .optVerbalizer(verbalizer);
                if (fixed != null) {
                    builder.optFixedPrompt(fixed);
                }
                PromptClassifier classifier = builder.build();
                classifier.initialize(step, DataType.FLOAT32, new Shape(1, 8));
                ParameterStore ps = new ParameterStore(step, false);
                NDList inputs = batch.toNDList(step);
                float[] logits = classifier.forward(ps, inputs, false).head().toFloatArray();

                // the encoder's states (trusted, its own tests), then the head in float64 at the mask row
                BertEncoder encoder = backbone.getEncoder();
                NDArray embeddings = encoder.embedTokens(ps, inputs.get(0));
                NDArray mask = inputs.get(1);
                NDArray types = inputs.get(2);
                int offset = 0;
                if (fixed != null) {
                    NDList injected = PromptInjection.inject(fixed.toNDArray(step), embeddings, mask, types, 1);
                    embeddings = injected.get(0);
                    mask = injected.get(1);
                    types = injected.get(2);
                    offset = n;
                }
                NDArray hidden = encoder.encode(ps, embeddings, mask, types, false);
                int length = (int) hidden.getShape().get(1);
                float[] states = hidden.toFloatArray();
                long[] ids = batch.tokenIds();
                double[] expected = new double[batch.batchSize() * WORDS.size()];
                for (int row = 0; row < batch.batchSize(); row++) {
                    int position = -1;
                    for (int t = 0; t < batch.length(); t++) {
                        position = ids[row * batch.length() + t] == verbalizer.getMaskTokenId() ? t : position;
                    }
                    double[] h = ReferenceMath.row(states, row * length + position + offset, D);
                    double[] scores = reference(backbone, h, verbalizer.getLabelTokenIds());
                    System.arraycopy(scores, 0, expected, row * WORDS.size(), scores.length);
                }
                assertThat(logits).hasSize(expected.length);
                for (int i = 0; i < logits.length; i++) {
                    assertThat((double) logits[i]).as("logit %d, prompt %s", i, fixed != null)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4));
                }
                assertThat(classifier.getNumClasses()).isEqualTo(3);
                assertThat(classifier.getTrainableParameterCount()).isZero();
                assertThatThrownBy(classifier::getHead).isInstanceOf(PeftException.class)
                        .hasMessageContaining("no linear head");
            }
        }
    }

    /** dense, exact GELU, LayerNorm (eps 1e-12), then the tied decoder rows and biases. */
    private static double[] reference(Backbone backbone, double[] h, long[] wordIds) {
        Map<String, ai.djl.nn.Parameter> head = backbone.getMlmHead().orElseThrow().parametersByHuggingFaceName();
        double[] w = values(head, "cls.predictions.transform.dense.weight");
        double[] b = values(head, "cls.predictions.transform.dense.bias");
        double[] x = ReferenceMath.activation("gelu", ReferenceMath.linear(w, b, h, D));
        double mean = 0;
        for (double v : x) {
            mean += v / D;
        }
        double variance = 0;
        for (double v : x) {
            variance += (v - mean) * (v - mean) / D;
        }
        double[] gamma = values(head, "cls.predictions.transform.LayerNorm.weight");
        double[] beta = values(head, "cls.predictions.transform.LayerNorm.bias");
        for (int i = 0; i < D; i++) {
            x[i] = (x[i] - mean) / Math.sqrt(variance + 1e-12) * gamma[i] + beta[i];
        }
        float[] table = backbone.getEncoder().getVocabularyEmbeddings().toFloatArray();
        double[] bias = values(head, "cls.predictions.bias");
        double[] scores = new double[wordIds.length];
        for (int c = 0; c < wordIds.length; c++) {
            double sum = bias[(int) wordIds[c]];
            for (int i = 0; i < D; i++) {
                sum += table[(int) wordIds[c] * D + i] * x[i];
            }
            scores[c] = sum;
        }
        return scores;
    }

    private static double[] values(Map<String, ai.djl.nn.Parameter> head, String name) {
        return toDouble(head.get(name).getArray().toFloatArray());
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static float[] random(int size, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * 0.1f;
        }
        return values;
    }

    @Test
    void onlyThePromptLearnsAndGradientsReachIt() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
                NDManager step = backbone.getManager().newSubManager()) {
            BertEncoder encoder = backbone.getEncoder();
            SoftPrompt prompt = SoftPrompt.builder()
                    .setReparameterizer(new IdentityReparameterizer(new PromptShape(2, D)))
                    .optInit(PromptInit.sampledVocabulary()).optEncoder(encoder).optSeed(1).build();
            PromptClassifier classifier = PromptClassifier.builder().setEncoder(encoder)
                    .optVerbalizer(Verbalizer.of(backbone, WORDS)).optSoftPrompt(prompt).build();
            classifier.initialize(step, DataType.FLOAT32, new Shape(1, 8));
            assertThat(classifier.getTrainableParameterCount()).isEqualTo(2L * D);
            EncodedBatch batch = backbone.getTokenizer().encode(List.of("[MASK] , the lamp fell"), 60);
            ParameterStore ps = new ParameterStore(step, false);
            try (GradientCollector collector = ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray logits = classifier.forward(ps, batch.toNDList(step), true).head();
                collector.backward(logits.get(":, 0").sum());
            }
            NDArray gradient = prompt.getParameters().valueAt(0).getArray().getGradient();
            assertThat(gradient.abs().sum().getFloat()).isGreaterThan(0f);
            MlmHead head = backbone.getMlmHead().orElseThrow();
            assertThat(head.getParameters().values()).allMatch(p -> !p.requiresGradient());
        }
    }

    @Test
    void refusesMultiPieceBlankAndRepeatedLabelWords() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            assertThatThrownBy(() -> Verbalizer.of(backbone, List.of("entailment", "terrible")))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("'terrible' is")
                    .hasMessageContaining("[t, ##e,")
                    .hasMessageContaining("one word piece");
            assertThatThrownBy(() -> Verbalizer.of(backbone, List.of("neutral", " ")))
                    .hasMessageContaining("label word 2 is blank");
            assertThatThrownBy(() -> Verbalizer.of(backbone, List.of("neutral", "neutral")))
                    .hasMessageContaining("'neutral' is the same token as 'neutral'");
            assertThatThrownBy(() -> Verbalizer.of(backbone, List.of("neutral")))
                    .hasMessageContaining("at least 2 classes");
            assertThatThrownBy(() -> PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(2)
                    .optVerbalizer(Verbalizer.of(backbone, WORDS)).build())
                    .hasMessageContaining("setNumClasses(2) does not match the 3 label words");
        }
    }

    @Test
    void refusesInputsWithoutExactlyOneMask() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            Verbalizer verbalizer = Verbalizer.of(backbone, WORDS);
            TextTokenizer tokenizer = backbone.getTokenizer();
            assertThatThrownBy(() -> verbalizer.checkMasks(tokenizer.encode(List.of("[MASK] ok", "[MASK] [MASK]"), 20)))
                    .isInstanceOf(PeftException.class).hasMessageContaining("Sequence 1 of the batch holds 2 [MASK]");
            // truncation cuts a late mask away
            assertThatThrownBy(() -> verbalizer.checkMasks(tokenizer.encode(List.of("the red ball fell [MASK]"), 5)))
                    .hasMessageContaining("holds 0 [MASK]").hasMessageContaining("Truncation");
        }
    }

    @Test
    void aPlaceholderCanAskForItsTextWithoutTheFinalPunctuation() {
        assertThat(Verbalizer.fill("{text_b:no-final-punctuation} ? [MASK] , {text_a}", "It rained.",
                "The sky was grey !")).isEqualTo("The sky was grey ? [MASK] , It rained.");
        assertThat(Verbalizer.fill("{word:no-final-punctuation} [MASK]", Map.of("word", "why?! "))).isEqualTo("why [MASK]");
        assertThat(Verbalizer.fill("{text_a:no-final-punctuation} [MASK]", "...", null)).isEqualTo(" [MASK]");
        assertThatThrownBy(() -> Verbalizer.fill("{text_a:lowercase} [MASK]", "x", null))
                .isInstanceOf(PeftException.class).hasMessageContaining("unknown modifier 'lowercase'")
                .hasMessageContaining("{text_a:no-final-punctuation}");
    }

    @Test
    void aFolderWithoutAnMlmHeadIsRefused(@TempDir Path temp) throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("no-head"), shapes -> {
            Map<String, Shape> kept = new LinkedHashMap<>(shapes);
            kept.keySet().removeIf(name -> name.startsWith("cls."));
            return kept;
        });
        try (Backbone backbone = Backbones.load(folder.toString(), Device.cpu())) {
            assertThat(backbone.getMlmHead()).isEmpty();
            assertThatThrownBy(() -> Verbalizer.of(backbone, WORDS)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("has no masked-language-model head")
                    .hasMessageContaining("cls.predictions");
        }
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu())) {
            assertThat(backbone.getMlmHead()).isPresent();
        }
    }
}
