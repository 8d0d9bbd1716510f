package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import org.jspecify.annotations.Nullable;

/**
 * What a method places inside the layers of an encoder for one forward pass, beside the input
 * embeddings: a computed per-layer key/value prefix and a low-rank update of linear layers. Either
 * may be absent; {@link #none()} has neither. Passed to
 * {@link PromptableEncoder#encode(ai.djl.training.ParameterStore, NDArray, NDArray, NDArray,
 * LayerInjections, boolean)}.
 *
 * @param prefix        the output of {@link LayerPrefix#computePrefix}, shape {@code (L, 2, m, d)}, or {@code null}
 * @param lowRankUpdate the update the encoder asks for each targeted linear layer, or {@code null}
 * @since 1.2
 */
public record LayerInjections(@Nullable NDArray prefix, @Nullable LowRankUpdate lowRankUpdate) {

    private static final LayerInjections NONE = new LayerInjections(null, null);

    /**
     * Checks the prefix rank.
     *
     * @throws ShapeMismatchException when the prefix is not four-dimensional {@code (L, 2, m, d)}
     * @since 1.2
     */
    public LayerInjections {
        if (prefix != null && (prefix.getShape().dimension() != 4 || prefix.getShape().get(1) != 2)) {
            throw new ShapeMismatchException("A layer prefix must have shape (layers, 2, m, d): keys and values "
                    + "for every layer; got " + prefix.getShape());
        }
    }

    /**
     * Nothing inside the layers.
     *
     * @since 1.2
     */
    public static LayerInjections none() {
        return NONE;
    }

    /**
     * Whether there is neither a prefix nor a low-rank update.
     *
     * @since 1.2
     */
    public boolean isEmpty() {
        return prefix == null && lowRankUpdate == null;
    }

    /**
     * The prefix length {@code m}, 0 without a prefix.
     *
     * @since 1.2
     */
    public int prefixLength() {
        return prefix == null ? 0 : Math.toIntExact(prefix.getShape().get(2));
    }
}
