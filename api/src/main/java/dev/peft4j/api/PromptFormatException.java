package dev.peft4j.api;

import org.jspecify.annotations.Nullable;

/**
 * A prompt or checkpoint file on disk is missing, truncated, corrupt or of another kind than
 * expected. The message names the file and what was wrong with it.
 *
 * @since 1.0
 */
public class PromptFormatException extends PeftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @since 1.0
     */
    public PromptFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @since 1.0
     */
    public PromptFormatException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
