package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
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

    /**
     * Hugging Face PEFT's saved {@code PREFIX_TUNING} {@code prompt_embeddings}, shape
     * {@code (m, L·2·d)}, in the per-layer layout {@code (L, 2, m, d)} of {@link #computePrefix}.
     * Column {@code (l·2 + kv)·d + h·dh + j} of row {@code i} is element {@code [l, kv, i, h·dh + j]}:
     * layer {@code l}, keys ({@code kv = 0}) or values ({@code kv = 1}), prefix position {@code i},
     * head {@code h}, within-head index {@code j} (PEFT's {@code get_prompt}:
     * {@code view(B, m, L·2, H, dh)}, {@code permute(2, 0, 3, 1, 4)}, {@code split(2)}). A reshape
     * and a transpose, so gradients flow through it.
     *
     * @param peftRows shape {@code (m, L·2·d)}
     * @param layers   the number of transformer layers {@code L}
     * @return shape {@code (L, 2, m, d)}
     * @throws ShapeMismatchException when {@code peftRows} is not two-dimensional with a width divisible by {@code 2·L}
     * @since 1.2
     */
    static NDArray fromPeftRows(NDArray peftRows, int layers) {
        Shape shape = peftRows.getShape();
        if (layers < 1 || shape.dimension() != 2 || shape.get(1) % (2L * layers) != 0) {
            throw new ShapeMismatchException("PEFT prefix rows must have shape (m, layers * 2 * d) for " + layers
                    + " layers, got " + shape + "; check that the prefix was saved for a model with " + layers
                    + " layers");
        }
        long m = shape.get(0);
        long d = shape.get(1) / (2L * layers);
        return peftRows.reshape(m, layers, 2, d).transpose(1, 2, 0, 3);
    }

    /**
     * The per-layer layout {@code (L, 2, m, d)} as PEFT's rows {@code (m, L·2·d)}, the inverse of
     * {@link #fromPeftRows}.
     *
     * @param prefix shape {@code (L, 2, m, d)}
     * @return shape {@code (m, L·2·d)}
     * @throws ShapeMismatchException when {@code prefix} is not of shape {@code (L, 2, m, d)}
     * @since 1.2
     */
    static NDArray toPeftRows(NDArray prefix) {
        Shape shape = prefix.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 2) {
            throw new ShapeMismatchException("A layer prefix must have shape (layers, 2, m, d), got " + shape);
        }
        return prefix.transpose(2, 0, 1, 3).reshape(shape.get(2), shape.get(0) * 2 * shape.get(3));
    }
}
