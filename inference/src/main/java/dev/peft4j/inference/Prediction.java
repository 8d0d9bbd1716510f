package dev.peft4j.inference;

import dev.peft4j.api.PeftException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One classification result of a {@link Predictor}.
 *
 * @param label         the predicted label (the one with the largest head output; the first on ties)
 * @param score         the predicted label's probability
 * @param probabilities every label's probability (a softmax over the head outputs), in the export's
 *                      label order; they sum to 1
 */
public record Prediction(String label, double score, Map<String, Double> probabilities) {

    /** Checks the components and keeps an unmodifiable copy of the probabilities in their order. */
    public Prediction {
        Objects.requireNonNull(label, "label");
        if (!probabilities.containsKey(label)) {
            throw new PeftException("Prediction: label '" + label + "' is not among the labels "
                    + probabilities.keySet());
        }
        probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
    }

    /**
     * The prediction for one row of head outputs: {@code labels.size()} logits starting at
     * {@code offset}, turned into probabilities by a numerically stable softmax.
     */
    static Prediction fromLogits(List<String> labels, float[] logits, int offset) {
        int classes = labels.size();
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < classes; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
            max = Math.max(max, logits[offset + i]);
        }
        double[] exp = new double[classes];
        double sum = 0;
        for (int i = 0; i < classes; i++) {
            exp[i] = Math.exp(logits[offset + i] - max);
            sum += exp[i];
        }
        Map<String, Double> probabilities = new LinkedHashMap<>();
        for (int i = 0; i < classes; i++) {
            probabilities.put(labels.get(i), exp[i] / sum);
        }
        return new Prediction(labels.get(best), exp[best] / sum, probabilities);
    }

    /** The probability of {@code label}, or 0 when the export has no such label. */
    public double getProbability(String label) {
        return probabilities.getOrDefault(label, 0.0);
    }
}
