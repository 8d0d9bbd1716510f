package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;

/**
 * The training loss became NaN or infinite, so the run has no scores. A {@link RunExecutor}
 * throws it; {@link ExperimentRunner} records the run as diverged and goes on with the grid,
 * since divergence is an outcome of the settings (a learning rate too high), not a fault.
 */
public final class TrainingDivergedException extends PeftException {
    private static final long serialVersionUID = 1L;

    private final String reason;

    /** Creates the exception; its message is also its {@linkplain #getReason() reason}. */
    public TrainingDivergedException(String message) {
        this(message, message);
    }

    /**
     * Creates the exception.
     *
     * @param message the run, what happened and what to do about it, for the log
     * @param reason what happened in a few words (the loss, epoch and step), for the run's
     *     diverged record and the report's run table
     */
    public TrainingDivergedException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    /** What happened in a few words, for example {@code the loss is NaN at epoch 1, step 3}. */
    public String getReason() {
        return reason;
    }
}
