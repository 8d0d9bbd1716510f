package dev.peft4j.api;

import org.jspecify.annotations.Nullable;

/**
 * A plugin could not be found, loaded or accepted: an unknown id, a duplicate id, a plugin
 * built for another API major version, or a plugin whose construction failed.
 *
 * @since 1.0
 */
public class PluginException extends PeftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @since 1.0
     */
    public PluginException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @since 1.0
     */
    public PluginException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
