package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;

/**
 * The training loss became NaN or infinite, so the run has no scores. A {@link RunExecutor}
 * throws it; {@link ExperimentRunner} records the run as diverged and goes on with the grid,
 * since divergence is an outcome of the settings (a learning rate too high), not a fault.
 */
public final class TrainingDivergedException extends PeftException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public TrainingDivergedException(String message) {
        super(message);
    }
}
