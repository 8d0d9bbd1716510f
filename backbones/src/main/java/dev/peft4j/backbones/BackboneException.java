package dev.peft4j.backbones;

import dev.peft4j.api.PeftException;
import org.jspecify.annotations.Nullable;

/**
 * A backbone could not be loaded: unknown name, missing dependency, missing or corrupt weight
 * file, or weights that do not match their configuration. The message names the file or model
 * and says what to do.
 */
public class BackboneException extends PeftException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public BackboneException(String message) {
        super(message);
    }

    /** Creates the exception with its cause. */
    public BackboneException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
