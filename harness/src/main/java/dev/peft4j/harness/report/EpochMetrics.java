package dev.peft4j.harness.report;

import java.util.Map;

/**
 * The validation metrics after one epoch.
 *
 * @param epoch 1-based epoch number
 * @param trainLoss mean training loss of the epoch
 * @param metrics metric id to value in [0, 1]; empty for an epoch that was not evaluated
 */
public record EpochMetrics(int epoch, double trainLoss, Map<String, Double> metrics) {

    /** Copies the map, keeping its order. */
    public EpochMetrics {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }

    /** The metrics for a log line: {@code {accuracy=0.71}}, or {@code (not evaluated)}. */
    public String metricsText() {
        return metrics.isEmpty() ? "(not evaluated)" : metrics.toString();
    }
}
