package dev.peft4j.harness.train;

import dev.peft4j.api.PeftException;

/** The training loss became NaN or infinite; the run produced no numbers. */
public final class TrainingDivergedException extends PeftException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
