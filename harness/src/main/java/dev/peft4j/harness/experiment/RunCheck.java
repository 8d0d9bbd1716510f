package dev.peft4j.harness.experiment;

/**
 * Checks one run's settings without training it (method, method options, task, shared settings),
 * so that {@link ExperimentRunner#checkGrid} can refuse a grid with a bad cell before its first
 * run trains rather than in the middle of it.
 */
@FunctionalInterface
public interface RunCheck {

    /**
     * Checks a run.
     *
     * @throws dev.peft4j.api.PeftException saying what is wrong with the run's settings and how to fix it
     */
    void check(RunSpec spec);
}
