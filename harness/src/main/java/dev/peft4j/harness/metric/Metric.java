package dev.peft4j.harness.metric;

import java.util.List;

/**
 * Aggregates per-example {@link Prediction}s into one number in [0, 1]. Implementations are
 * stateless; get them from {@link Metrics}.
 */
public interface Metric {

    /** A stable id used in result files, for example {@code accuracy} or {@code f1a}. */
    String getId();

    /** A short name for table headers, for example {@code acc} or {@code F1a}. */
    String getShortName();

    /**
     * Aggregates the predictions of one split.
     *
     * @throws dev.peft4j.api.PeftException if the list is empty or lacks what this metric needs
     */
    double aggregate(List<Prediction> predictions);
}
