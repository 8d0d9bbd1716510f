package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A frozen encoder that accepts input embeddings instead of token ids, so that a soft prompt
 * can be placed among the token embeddings. A backbone implements it; a host application may
 * implement it for its own encoder and use {@link PromptInjection} to apply a trained prompt.
 *
 * <p>Typical use: {@code embedTokens} the batch, {@link PromptInjection#inject} {@code P'}
 * after the first ({@code [CLS]}) position, then {@code encode}.
 *
 * @since 1.0
 */
public interface PromptableEncoder extends Block {

    /**
     * The model width {@code d}; a prompt must have this width.
     *
     * @since 1.0
     */
    int getHiddenSize();

    /**
     * The most positions (tokens plus prompt vectors) one sequence may have.
     *
     * @since 1.0
     */
    int getMaxPositions();

    /**
     * The number of rows of {@link #getVocabularyEmbeddings()}.
     *
     * @since 1.0
     */
    int getVocabularySize();

    /**
     * Looks up the word embeddings of token ids, without position or segment embeddings.
     *
     * @param parameterStore where parameter values are read from
     * @param tokenIds       int64 ids, shape {@code (B, T)}
     * @return embeddings, shape {@code (B, T, d)}
     * @since 1.0
     */
    NDArray embedTokens(ParameterStore parameterStore, NDArray tokenIds);

    /**
     * Encodes a batch given as input embeddings. Position and segment embeddings are added to
     * every row, prompt vectors included, exactly as for tokens.
     *
     * @param parameterStore  where parameter values are read from
     * @param inputEmbeddings shape {@code (B, T, d)}
     * @param attentionMask   1 for positions to attend to, 0 for padding, shape {@code (B, T)}
     * @param tokenTypeIds    segment ids (0 or 1), int64, shape {@code (B, T)}
     * @param training        whether dropout applies (frozen backbones usually pass false)
     * @return the last hidden state, shape {@code (B, T, d)}
     * @since 1.0
     */
    NDArray encode(
            ParameterStore parameterStore,
            NDArray inputEmbeddings,
            NDArray attentionMask,
            NDArray tokenTypeIds,
            boolean training);

    /**
     * The word-embedding table, shape {@code (V, d)}, used to initialize prompts from vocabulary
     * tokens or text. Owned by the encoder: do not close it.
     *
     * @since 1.0
     */
    NDArray getVocabularyEmbeddings();

    /**
     * The token ids of {@code text}'s word pieces, without special tokens, for prompt init from text.
     *
     * @since 1.0
     */
    long[] tokenIdsOf(String text);
}
