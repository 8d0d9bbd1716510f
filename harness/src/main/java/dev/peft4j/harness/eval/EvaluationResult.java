package dev.peft4j.harness.eval;

import dev.peft4j.harness.metric.Prediction;
import java.util.List;
import java.util.Map;

/**
 * The outcome of evaluating one split: every metric of the task and the per-example predictions
 * they were aggregated from.
 *
 * @param taskId the task
 * @param metrics metric id to value in [0, 1], in the task's metric order (headline first)
 * @param headlineMetric the id of the headline metric
 * @param predictions the per-example predictions
 */
public record EvaluationResult(
        String taskId, Map<String, Double> metrics, String headlineMetric, List<Prediction> predictions) {

    /** Copies the collections. */
    public EvaluationResult {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        predictions = List.copyOf(predictions);
    }

    /** The headline metric's value. */
    public double getHeadline() {
        return metrics.get(headlineMetric);
    }
}
