package dev.peft4j.api;

/**
 * Two shapes that must agree do not: a prompt whose width differs from the model width, a
 * reparameterizer built for another prompt shape, or a file whose tensor shape differs from
 * its configuration.
 *
 * @since 1.0
 */
public class ShapeMismatchException extends PeftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @since 1.0
     */
    public ShapeMismatchException(String message) {
        super(message);
    }
}
