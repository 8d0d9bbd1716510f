package dev.peft4j.harness.eval;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.metric.Metric;
import dev.peft4j.harness.metric.Prediction;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TaskKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Runs a {@link Scorer} over a split in batches, turns the scores into per-example
 * {@link Prediction}s (argmax over labels or choices; for candidate scoring the best candidate's
 * text) and aggregates the task's metrics.
 */
public final class Evaluator {

    private final Task task;
    private final int batchSize;

    private Evaluator(Task task, int batchSize) {
        this.task = Objects.requireNonNull(task, "task");
        if (batchSize < 1) {
            throw new PeftException("Evaluation batch size must be at least 1, got " + batchSize + ".");
        }
        this.batchSize = batchSize;
    }

    /** An evaluator for a task, scoring 32 examples a batch. */
    public static Evaluator of(Task task) {
        return new Evaluator(task, 32);
    }

    /** An evaluator for a task with the given batch size (examples per scorer call). */
    public static Evaluator of(Task task, int batchSize) {
        return new Evaluator(task, batchSize);
    }

    /** The task evaluated. */
    public Task getTask() {
        return task;
    }

    /** Examples per scorer call. */
    public int getBatchSize() {
        return batchSize;
    }

    /**
     * Scores every example and aggregates the task's metrics.
     *
     * @throws PeftException if the split is empty or the scorer returns the wrong number or shape
     *     of scores
     */
    public EvaluationResult evaluate(List<Example> examples, Scorer scorer) {
        List<Prediction> predictions = predict(examples, scorer);
        Map<String, Double> values = new LinkedHashMap<>();
        for (Metric metric : task.getMetrics()) {
            values.put(metric.getId(), metric.aggregate(predictions));
        }
        return new EvaluationResult(task.getId(), values, task.getHeadlineMetric().getId(), predictions);
    }

    /** Scores every example and returns the per-example predictions, without aggregating. */
    public List<Prediction> predict(List<Example> examples, Scorer scorer) {
        if (examples.isEmpty()) {
            throw new PeftException("Nothing to evaluate for task '" + task.getId() + "': the split is empty.");
        }
        List<Prediction> predictions = new ArrayList<>(examples.size());
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<Example> batch = examples.subList(start, Math.min(examples.size(), start + batchSize));
            float[][] scores = scorer.score(batch);
            if (scores.length != batch.size()) {
                throw new PeftException("The scorer returned " + scores.length + " score rows for a batch of "
                        + batch.size() + " examples of task '" + task.getId() + "'; return one row per example.");
            }
            for (int i = 0; i < batch.size(); i++) {
                predictions.add(toPrediction(batch.get(i), scores[i]));
            }
        }
        return predictions;
    }

    private Prediction toPrediction(Example example, float[] scores) {
        TaskKind kind = task.getKind();
        boolean perInput = kind == TaskKind.MULTIPLE_CHOICE || kind == TaskKind.CANDIDATE_SCORING;
        int expected = perInput ? example.inputs().size() : task.getLabels().size();
        if (scores.length != expected) {
            throw new PeftException("The scorer returned " + scores.length + " scores for example '"
                    + example.id() + "' of task '" + task.getId() + "' but " + expected + " are needed ("
                    + (perInput ? "one per choice or candidate" : "one per label " + task.getLabels()) + ").");
        }
        int best = argmax(scores);
        switch (kind) {
            case CANDIDATE_SCORING:
                return Prediction.text(example.id(), example.candidates().get(best), example.goldAnswers());
            case GROUPED_BINARY:
                return Prediction.grouped(example.id(), example.groupId(), best, example.label());
            default:
                return Prediction.of(example.id(), best, example.label());
        }
    }

    /**
     * The headline metric of always answering the split's most frequent label (or choice index):
     * the level a classifier that learned nothing about the inputs reaches, for reports to draw
     * as a reference. Empty for candidate-scoring tasks, which have no fixed labels.
     */
    public OptionalDouble majorityClassHeadline(List<Example> examples) {
        if (task.getKind() == TaskKind.CANDIDATE_SCORING || examples.isEmpty()) {
            return OptionalDouble.empty();
        }
        Map<Integer, Integer> counts = new TreeMap<>();
        examples.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        int majority = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        boolean perInput = task.getKind() == TaskKind.MULTIPLE_CHOICE;
        EvaluationResult result = evaluate(examples, batch -> {
            float[][] scores = new float[batch.size()][];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = new float[perInput ? batch.get(i).inputs().size() : task.getLabels().size()];
                scores[i][Math.min(majority, scores[i].length - 1)] = 1f;
            }
            return scores;
        });
        return OptionalDouble.of(result.getHeadline());
    }

    /** The index of the largest score; the first one on ties. */
    public static int argmax(float[] scores) {
        if (scores.length == 0) {
            throw new PeftException("Cannot pick from an empty score array.");
        }
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** A numerically stable softmax, for choice probabilities of multiple-choice scores. */
    public static double[] softmax(float[] scores) {
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] probabilities = new double[scores.length];
        double sum = 0;
        for (int i = 0; i < scores.length; i++) {
            probabilities[i] = Math.exp(scores[i] - max);
            sum += probabilities[i];
        }
        for (int i = 0; i < scores.length; i++) {
            probabilities[i] /= sum;
        }
        return probabilities;
    }
}
