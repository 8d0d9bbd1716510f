package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.PromptShape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the prompt goes, on the tiny random BERT. A prompt made of the word embeddings of tokens
 * {@code q} must give exactly what the encoder gives, without a prompt, for the token sequence with
 * {@code q} spliced in: {@code q [CLS] text} before the input (Hugging Face PEFT's
 * {@code torch.cat((prompts, inputs_embeds), dim=1)} with the mask prefixed with ones and the segment
 * ids with zeros, so the prompt takes positions {@code 0..n-1} and segment 0 and {@code [CLS]}
 * position {@code n}), {@code [CLS] q text} after {@code [CLS]}. The encoder's own embedding path
 * numbers the positions of the reference, so this checks the placement, not a copy of it.
 */
class PromptPlacementTest {

    private static final int D = TinyBertFolder.HIDDEN;

    private static Backbone backbone;

    @BeforeAll
    static void load() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    /** Two pairs of different lengths, so the shorter row is padded. */
    private static EncodedBatch pairs() {
        return backbone.getTokenizer().encodePairs(List.of("the cat sat on the mat", "rain"),
                List.of("emma saw the red ball", "the floor was wet in the park"), 40);
    }

    /** The prompt tokens: ordinary words, so their embeddings are a prompt with known token ids. */
    private static long[] promptTokens() {
        long[] ids = backbone.getTokenizer().tokenIdsOf("red ball park");
        assertThat(ids).hasSize(3);
        return ids;
    }

    private static PromptEmbeddings promptOf(long[] tokens, NDManager manager, ParameterStore ps) {
        NDArray rows = backbone.getEncoder().embedTokens(ps, manager.create(tokens, new Shape(1, tokens.length)));
        return new PromptEmbeddings(new PromptShape(tokens.length, D), rows.toFloatArray());
    }

    /** {@code batch} with {@code tokens} (mask 1, segment 0) spliced in at {@code position} of every row. */
    private static EncodedBatch spliced(EncodedBatch batch, long[] tokens, int position) {
        int n = tokens.length;
        int t = batch.length();
        int length = t + n;
        long[] ids = new long[batch.batchSize() * length];
        long[] mask = new long[ids.length];
        long[] types = new long[ids.length];
        for (int row = 0; row < batch.batchSize(); row++) {
            for (int j = 0; j < length; j++) {
                int at = row * length + j;
                boolean prompt = j >= position && j < position + n;
                int source = row * t + (j < position ? j : j - n);
                ids[at] = prompt ? tokens[j - position] : batch.tokenIds()[source];
                mask[at] = prompt ? 1 : batch.attentionMask()[source];
                types[at] = prompt ? 0 : batch.tokenTypeIds()[source];
            }
        }
        return new EncodedBatch(batch.batchSize(), length, ids, mask, types);
    }

    private static float[] logits(PromptClassifier classifier, EncodedBatch batch, NDManager manager, ParameterStore ps) {
        return classifier.forward(ps, batch.toNDList(manager), false).singletonOrThrow().toFloatArray();
    }

    private static void copyHead(PromptClassifier from, PromptClassifier to) {
        for (String name : List.of("weight", "bias")) {
            from.getHead().getParameters().get(name).getArray()
                    .copyTo(to.getHead().getParameters().get(name).getArray());
        }
    }

    @Test
    void theLinearHeadSeesPeftsConcatenationBeforeTheInputAndThePaperOneAfterCls() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            long[] tokens = promptTokens();
            PromptEmbeddings prompt = promptOf(tokens, manager, ps);
            EncodedBatch batch = pairs();

            PromptClassifier plain = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(3).build();
            plain.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            randomize(plain, 7);
            for (PromptPlacement placement : PromptPlacement.values()) {
                PromptClassifier prompted = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                        .setNumClasses(3).optFixedPrompt(prompt).optPlacement(placement).build();
                prompted.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
                copyHead(plain, prompted);
                assertThat(prompted.getPlacement()).isEqualTo(placement);

                float[] actual = logits(prompted, batch, manager, ps);
                // the head reads position 0 of the spliced sequence: [CLS], or the first prompt token
                float[] expected = logits(plain, spliced(batch, tokens, placement.insertionIndex()), manager, ps);
                assertThat(actual).as(placement.id()).containsExactly(expected);
            }
        }
    }

    @Test
    void beforeTheInputClsMovesToPositionNAndTheHeadStillReadsPositionZero() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            long[] tokens = promptTokens();
            int n = tokens.length;
            EncodedBatch batch = spliced(pairs(), tokens, 0);
            NDList inputs = batch.toNDList(manager);
            NDArray hidden = backbone.getEncoder().forward(ps, inputs, false).singletonOrThrow();
            assertThat(PromptPlacement.BEFORE_INPUT.clsIndex(n)).isEqualTo(n);
            assertThat(PromptPlacement.AFTER_CLS.clsIndex(n)).isZero();
            long cls = backbone.getTokenizer().tokenIdsOf("[CLS]")[0];
            assertThat(batch.tokenIds()[n]).isEqualTo(cls);
            // the state at 0 (the first prompt vector) is not [CLS]'s: reading 0 is a choice, pinned above
            float[] first = hidden.get("0, 0, :").toFloatArray();
            float[] atCls = hidden.get("0, {}, :", n).toFloatArray();
            assertThat(first).isNotEqualTo(atCls);
        }
    }

    @Test
    void theVerbalizerReadsTheMaskWhereverThePromptPutsIt() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            long[] tokens = promptTokens();
            PromptEmbeddings prompt = promptOf(tokens, manager, ps);
            Verbalizer verbalizer = Verbalizer.of(backbone, List.of("entailment", "contradiction", "neutral"));
            EncodedBatch batch = backbone.getTokenizer().encode(
                    List.of("it rain ? [MASK] , the floor was wet", "[MASK] , emma saw the red ball in the park"), 40);
            verbalizer.checkMasks(batch);

            PromptClassifier plain = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                    .optVerbalizer(verbalizer).build();
            plain.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            for (PromptPlacement placement : PromptPlacement.values()) {
                PromptClassifier prompted = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                        .optVerbalizer(verbalizer).optFixedPrompt(prompt).optPlacement(placement).build();
                prompted.initialize(manager, DataType.FLOAT32, new Shape(1, 1));

                float[] actual = logits(prompted, batch, manager, ps);
                float[] expected = logits(plain, spliced(batch, tokens, placement.insertionIndex()), manager, ps);
                assertThat(actual).as(placement.id()).containsExactly(expected);
            }
        }
    }

    @Test
    void afterClsIsTheDefault() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            PromptEmbeddings prompt = promptOf(promptTokens(), manager, ps);
            PromptClassifier byDefault = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(3)
                    .optFixedPrompt(prompt).build();
            PromptClassifier explicit = PromptClassifier.builder().setEncoder(backbone.getEncoder()).setNumClasses(3)
                    .optFixedPrompt(prompt).optPlacement(PromptPlacement.AFTER_CLS).build();
            byDefault.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            explicit.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            randomize(byDefault, 3);
            copyHead(byDefault, explicit);
            assertThat(byDefault.getPlacement()).isEqualTo(PromptPlacement.AFTER_CLS);
            assertThat(logits(byDefault, pairs(), manager, ps)).containsExactly(logits(explicit, pairs(), manager, ps));
        }
    }

    private static void randomize(PromptClassifier classifier, long seed) {
        Random random = new Random(seed);
        for (String name : List.of("weight", "bias")) {
            NDArray array = classifier.getHead().getParameters().get(name).getArray();
            float[] values = new float[Math.toIntExact(array.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            array.set(values);
        }
    }
}
