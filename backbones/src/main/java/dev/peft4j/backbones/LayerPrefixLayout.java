package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.ShapeMismatchException;

/**
 * Converts a layer prefix between Hugging Face PEFT's saved {@code PREFIX_TUNING}
 * {@code prompt_embeddings}, shape {@code (m, L·2·d)}, and the {@code (L, 2, m, d)} that
 * {@link dev.peft4j.api.LayerPrefix#computePrefix} yields and the encoder takes. Column
 * {@code (l·2 + kv)·d + h·dh + j} of row {@code i} is element {@code [l, kv, i, h·dh + j]}: layer
 * {@code l}, keys ({@code kv = 0}) or values ({@code kv = 1}), prefix position {@code i}, head
 * {@code h}, within-head index {@code j} (PEFT's {@code get_prompt}: {@code view(B, m, L·2, H, dh)},
 * {@code permute(2, 0, 3, 1, 4)}, {@code split(2)}). Both directions are reshapes and a transpose,
 * so gradients flow through them.
 */
public final class LayerPrefixLayout {

    private LayerPrefixLayout() {}

    /**
     * PEFT rows {@code (m, L·2·d)} to the per-layer layout {@code (L, 2, m, d)}.
     *
     * @param layers the number of transformer layers {@code L}
     * @throws ShapeMismatchException when {@code peftRows} is not two-dimensional with a width divisible by {@code 2·L}
     */
    public static NDArray toLayers(NDArray peftRows, int layers) {
        Shape shape = peftRows.getShape();
        if (layers < 1 || shape.dimension() != 2 || shape.get(1) % (2L * layers) != 0) {
            throw new ShapeMismatchException("LayerPrefixLayout.toLayers: PEFT prefix rows must have shape (m, "
                    + "layers * 2 * d) for " + layers + " layers, got " + shape + "; check that the prefix was "
                    + "saved for a model with " + layers + " layers");
        }
        long m = shape.get(0);
        long d = shape.get(1) / (2L * layers);
        return peftRows.reshape(m, layers, 2, d).transpose(1, 2, 0, 3);
    }

    /**
     * The per-layer layout {@code (L, 2, m, d)} to PEFT rows {@code (m, L·2·d)}.
     *
     * @throws ShapeMismatchException when {@code layers} is not of shape {@code (L, 2, m, d)}
     */
    public static NDArray toPeftRows(NDArray layers) {
        Shape shape = layers.getShape();
        if (shape.dimension() != 4 || shape.get(1) != 2) {
            throw new ShapeMismatchException("LayerPrefixLayout.toPeftRows: a layer prefix must have shape "
                    + "(layers, 2, m, d), got " + shape);
        }
        return layers.transpose(2, 0, 1, 3).reshape(shape.get(2), shape.get(0) * 2 * shape.get(3));
    }
}
