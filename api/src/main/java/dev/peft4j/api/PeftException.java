package dev.peft4j.api;

import org.jspecify.annotations.Nullable;

/**
 * The root of peft4j's unchecked exceptions. DJL's checked exceptions ({@code IOException},
 * {@code MalformedModelException}, ...) are wrapped in one of its subclasses at the API boundary.
 *
 * @since 1.0
 */
public class PeftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with an actionable message.
     *
     * @since 1.0
     */
    public PeftException(String message) {
        super(message);
    }

    /**
     * Creates an exception with an actionable message and the underlying cause.
     *
     * @since 1.0
     */
    public PeftException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
