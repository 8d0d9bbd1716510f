package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A capability of a {@link PromptSource}: a trainable additive update of the input embeddings of
 * the text, one row per token position, as in DePT (Shi and Lipani, ICLR 2024), where the update
 * is a low-rank product {@code A·B} of shape {@code (maxTextLength, d)}.
 *
 * <p>Row {@code t} is added to the word embedding of the token at position {@code t} of the
 * tokenized text ({@code [CLS]} is position 0 in BERT), before the prompt is inserted and before
 * position and segment embeddings; padding positions get nothing
 * ({@link PromptInjection#addTextUpdate}). A text longer than {@link #getMaxTextLength()} gets no
 * update past that length: {@link #computeUpdate} returns zero rows there.
 *
 * @since 1.1
 */
public interface TextEmbeddingUpdate {

    /**
     * The number of token positions the update has rows for.
     *
     * @since 1.1
     */
    int getMaxTextLength();

    /**
     * The update of the first {@code length} token positions. Row {@code t} depends only on
     * {@code t}, never on {@code length}; rows from {@link #getMaxTextLength()} on are zero.
     *
     * @param parameterStore where parameter values are read from
     * @param length         the padded length {@code T} of the token batch, at least 1
     * @param training       whether training-only behaviour applies
     * @return shape {@code (length, d)}
     * @since 1.1
     */
    NDArray computeUpdate(ParameterStore parameterStore, int length, boolean training);
}
