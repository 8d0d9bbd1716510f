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
     * Encodes a batch given as input embeddings, with a method's per-layer prefix and low-rank
     * update of linear layers ({@link LayerInjections}). With {@link LayerInjections#none()} it is
     * {@link #encode(ParameterStore, NDArray, NDArray, NDArray, boolean)}. The prefix adds keys
     * and values only: the output has the same positions as {@code inputEmbeddings}, and the
     * {@code attentionMask} covers those positions only (prefix positions are always attended to).
     *
     * <p>The default refuses anything but {@code none()}; encoders that support injections
     * inside their layers override it.
     *
     * @param parameterStore  where parameter values are read from
     * @param inputEmbeddings shape {@code (B, T, d)}
     * @param attentionMask   1 for positions to attend to, 0 for padding, shape {@code (B, T)}
     * @param tokenTypeIds    segment ids (0 or 1), int64, shape {@code (B, T)}
     * @param injections      what goes inside the layers
     * @param training        whether dropout applies
     * @return the last hidden state, shape {@code (B, T, d)}
     * @throws PeftException when this encoder cannot take the injections
     * @since 1.2
     */
    default NDArray encode(
            ParameterStore parameterStore,
            NDArray inputEmbeddings,
            NDArray attentionMask,
            NDArray tokenTypeIds,
            LayerInjections injections,
            boolean training) {
        if (!injections.isEmpty()) {
            throw new PeftException(getClass().getSimpleName() + " takes no per-layer prefix or low-rank update; "
                    + "use a method that only places a prompt at the input, or an encoder that supports them");
        }
        return encode(parameterStore, inputEmbeddings, attentionMask, tokenTypeIds, training);
    }

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
