package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PromptInitTest {

    private static final PromptShape SHAPE = new PromptShape(8, 4);

    private NDManager manager;
    private FakeEncoder encoder;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        encoder = new FakeEncoder(manager, 50, 4);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void uniformIsDeterministicPerSeedAndWithinTheBound() {
        PromptEmbeddings first = PromptInit.uniform().initialValues(SHAPE, null, 7);
        PromptEmbeddings again = PromptInit.uniform().initialValues(SHAPE, null, 7);
        PromptEmbeddings other = PromptInit.uniform().initialValues(SHAPE, null, 8);

        assertThat(first).isEqualTo(again);
        assertThat(first.values()).isNotEqualTo(other.values());
        assertThat(first.shape()).isEqualTo(SHAPE);
        for (float v : first.values()) {
            assertThat(v).isGreaterThanOrEqualTo(-0.5f).isLessThan(0.5f);
        }
        for (float v : new PromptInit.Uniform(0.01f).initialValues(new PromptShape(50, 20), null, 1).values()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(0.01f);
        }
    }

    @Test
    void sampledVocabularyTakesRowsOfTheEmbeddingTableInTheIdInterval() {
        PromptInit init = new PromptInit.SampledVocabulary(10, 20);

        PromptEmbeddings values = init.initialValues(SHAPE, encoder, 3);

        Set<Integer> tokens = new HashSet<>();
        float[] all = values.values();
        for (int row = 0; row < SHAPE.length(); row++) {
            float[] rowValues = java.util.Arrays.copyOfRange(all, row * 4, row * 4 + 4);
            int token = FakeEncoder.tokenOf(rowValues);
            assertThat(token).isBetween(10, 19);
            assertThat(rowValues).containsExactly(token, token + 0.25f, token + 0.5f, token + 0.75f);
            tokens.add(token);
        }
        assertThat(tokens).as("8 draws from 10 ids").hasSizeGreaterThan(1);
        assertThat(init.initialValues(SHAPE, encoder, 3)).isEqualTo(values);
        assertThat(init.initialValues(SHAPE, encoder, 4)).isNotEqualTo(values);
    }

    @Test
    void textRepeatsItsTokensToFillThePrompt() {
        PromptEmbeddings values = PromptInit.text("Great movie!").initialValues(new PromptShape(5, 4), encoder, 0);

        int[] tokens = new int[5];
        for (int row = 0; row < 5; row++) {
            tokens[row] = Math.round(values.get(row, 0));
            assertThat(values.get(row, 3)).isEqualTo(tokens[row] + 0.75f);
        }
        assertThat(tokens).containsExactly(7, 11, 7, 11, 7);
    }

    @Test
    void textIsCutToThePromptLength() {
        PromptEmbeddings values = PromptInit.text("the great movie").initialValues(new PromptShape(2, 4), encoder, 0);

        assertThat(values.get(0, 0)).isEqualTo(2f);
        assertThat(values.get(1, 0)).isEqualTo(7f);
    }

    @Test
    void vocabularyInitNeedsAnEncoderOfTheSameWidth() {
        assertThatThrownBy(() -> PromptInit.sampledVocabulary().initialValues(SHAPE, null, 0))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("reads vocabulary embeddings; pass the encoder, or use PromptInit.uniform()");
        assertThatThrownBy(() -> PromptInit.text("great").initialValues(new PromptShape(3, 6), encoder, 0))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("The prompt has width 6 but the encoder has width 4. "
                        + "Create the prompt with the encoder's hidden size.");
    }

    @Test
    void textWithoutTokensIsRejected() {
        assertThatThrownBy(() -> PromptInit.text("?!").initialValues(SHAPE, encoder, 0))
                .isInstanceOf(PeftException.class)
                .hasMessage("Prompt init text '?!' has no tokens");
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> new PromptInit.Uniform(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive finite number, got 0.0");
        assertThatThrownBy(() -> new PromptInit.Uniform(Float.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptInit.Uniform(Float.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PromptInit.SampledVocabulary(5, 5))
                .hasMessage("Token id interval [5, 5) is empty or negative");
        assertThatThrownBy(() -> PromptInit.text("  ")).hasMessage("Prompt init text must not be blank");
    }

    @Test
    void leavesTheEncoderTableUsable() {
        PromptInit.sampledVocabulary().initialValues(SHAPE, encoder, 0);

        assertThat(encoder.getVocabularyEmbeddings().getShape().get(0)).isEqualTo(50);
        assertThat(encoder.getVocabularyEmbeddings().toFloatArray()[4]).isEqualTo(1f);
    }
}
