package dev.peft4j.harness.train;

import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;

/** Progress callbacks of a {@link PromptTrainer}, for progress bars and logs. */
public interface TrainingListener {

    /** After every optimizer step; {@code loss} is that step's mean training loss. */
    default void onStep(RunSpec run, int epoch, int step, int stepsPerEpoch, float loss) {}

    /**
     * After every epoch (and its evaluation, if it had one: otherwise {@code metrics} holds no
     * metric and {@code headline} is NaN).
     */
    default void onEpochEnd(RunSpec run, EpochMetrics metrics, double headline, double best) {}

    /** After the checkpoint of {@code epoch} is written; a test may stop the run here. */
    default void afterCheckpoint(RunSpec run, int epoch) {}
}
