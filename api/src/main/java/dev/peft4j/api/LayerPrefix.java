package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A capability of a {@link PromptSource}: trainable key and value vectors prepended inside every
 * attention layer, as in prefix tuning (Li and Liang, ACL 2021) and P-tuning v2 (Liu et al., ACL
 * 2022). Layer {@code l} attends over {@code m} prefix keys and values followed by the sequence's
 * own; the prefix positions are always attended to, get no position or segment embedding, and
 * add no output positions.
 *
 * <p>The values are in the layers' projected space (after the key and value projections, heads
 * side by side), exactly what Hugging Face PEFT passes as {@code past_key_values}: the {@code d}
 * values of one vector split into {@code heads} slices of {@code d / heads}.
 *
 * @since 1.2
 */
public interface LayerPrefix {

    /**
     * The number {@code m} of prefix positions in every layer.
     *
     * @since 1.2
     */
    int getPrefixLength();

    /**
     * Computes the prefix of every layer.
     *
     * @param parameterStore where parameter values are read from
     * @param training       whether dropout and other training-only behaviour apply
     * @return shape {@code (L, 2, m, d)}: for layer {@code l}, {@code [l, 0]} the keys and
     *     {@code [l, 1]} the values
     * @since 1.2
     */
    NDArray computePrefix(ParameterStore parameterStore, boolean training);
}
