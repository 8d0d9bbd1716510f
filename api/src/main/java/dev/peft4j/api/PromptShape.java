package dev.peft4j.api;

/**
 * The shape of a soft prompt: {@code length} virtual tokens ({@code n}) of {@code width}
 * ({@code d}, the model's hidden size) each.
 *
 * @param length number of prompt tokens, at least 1
 * @param width  width of each prompt vector, equal to the encoder's hidden size, at least 1
 * @since 1.0
 */
public record PromptShape(int length, int width) {

    /**
     * Validates the shape.
     *
     * @since 1.0
     */
    public PromptShape {
        if (length < 1) {
            throw new ShapeMismatchException(
                    "Prompt length must be at least 1 virtual token, got " + length
                            + ". Set the prompt length (n) to a positive number, e.g. 10.");
        }
        if (width < 1) {
            throw new ShapeMismatchException(
                    "Prompt width must be at least 1, got " + width
                            + ". The width is the model's hidden size, e.g. 384 for MiniLM.");
        }
    }

    /**
     * The number of values in a prompt of this shape, {@code length * width}.
     *
     * @since 1.0
     */
    public long size() {
        return (long) length * width;
    }

    /**
     * The DJL shape {@code (length, width)}.
     *
     * @since 1.0
     */
    public ai.djl.ndarray.types.Shape toShape() {
        return new ai.djl.ndarray.types.Shape(length, width);
    }

    @Override
    public String toString() {
        return "(" + length + ", " + width + ")";
    }
}
