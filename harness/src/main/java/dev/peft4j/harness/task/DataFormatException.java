package dev.peft4j.harness.task;

import dev.peft4j.api.PeftException;
import org.jspecify.annotations.Nullable;

/** A data file could not be read as a task's records: the message names file, line and field. */
public class DataFormatException extends PeftException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with an actionable message. */
    public DataFormatException(String message) {
        super(message);
    }

    /** Creates an exception with an actionable message and its cause. */
    public DataFormatException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
