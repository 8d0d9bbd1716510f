package dev.peft4j.api;

/**
 * An option name or value was rejected: unknown name, wrong type, out of range or not one of
 * the choices. The message names the option, the plugin, what is valid and, for unknown
 * names, the closest valid name.
 *
 * @since 1.0
 */
public class InvalidOptionException extends PeftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @since 1.0
     */
    public InvalidOptionException(String message) {
        super(message);
    }
}
