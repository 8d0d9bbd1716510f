package dev.peft4j.harness.experiment;

import dev.peft4j.harness.report.RunResult;

/** Trains and evaluates one run; the training loop implements it. */
@FunctionalInterface
public interface RunExecutor {

    /**
     * Executes a run.
     *
     * @return its result, whose {@link RunResult#runId()} must be {@code spec.getRunId()}
     * @throws TrainingDivergedException when the loss became NaN or infinite; the runner records
     *     the run as diverged and goes on
     */
    RunResult execute(RunSpec spec);
}
