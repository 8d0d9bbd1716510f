package dev.peft4j.harness.metric;

import dev.peft4j.api.PeftException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SuperGLUE metrics. Each aggregates per-example {@link Prediction}s; the per-example parts
 * (token F1 of one answer, correctness of one prediction) are public too so they can be tested
 * and reported per example.
 */
public final class Metrics {

    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern PUNCTUATION = Pattern.compile("\\p{P}|\\p{S}");

    private Metrics() {}

    /** Fraction of predictions whose index equals the gold index. */
    public static Metric accuracy() {
        return new Simple("accuracy", "acc", Metrics::accuracyOf);
    }

    /**
     * Macro-averaged F1 over classes {@code 0..numClasses-1}: the unweighted mean of each class's
     * F1 (2PR/(P+R), 0 when P+R is 0). Like scikit-learn's {@code f1_score(average="macro")}, a
     * class that occurs neither in the gold labels nor in the predictions is left out.
     */
    public static Metric macroF1(int numClasses) {
        if (numClasses < 2) {
            throw new PeftException("macro-F1 needs at least 2 classes, got " + numClasses + ".");
        }
        return new Simple("f1_macro", "F1", predictions -> macroF1Of(predictions, numClasses));
    }

    /**
     * The unweighted mean of other metrics, for headline numbers such as CB's mean of accuracy
     * and macro-F1.
     */
    public static Metric mean(String id, String shortName, Metric... parts) {
        if (parts.length == 0) {
            throw new PeftException("Metric '" + id + "' averages nothing: give at least one metric.");
        }
        List<Metric> copy = List.of(parts);
        return new Simple(id, shortName, predictions -> {
            double sum = 0;
            for (Metric part : copy) {
                sum += part.aggregate(predictions);
            }
            return sum / copy.size();
        });
    }

    /**
     * MultiRC F1a: binary F1 of the positive class (answer option is true) over all answer
     * options of all questions.
     */
    public static Metric f1a() {
        return new Simple("f1a", "F1a", Metrics::binaryF1Of);
    }

    /**
     * MultiRC exact match: the fraction of questions (groups) whose answer options are all
     * predicted correctly.
     */
    public static Metric exactMatchPerGroup() {
        return new Simple("em", "EM", Metrics::groupExactMatchOf);
    }

    /**
     * ReCoRD token F1: per example the maximum over gold answers of the SQuAD token F1 of the
     * predicted text, averaged over examples.
     */
    public static Metric maxTokenF1() {
        return new Simple("f1", "F1", predictions -> textMean(predictions, Metrics::tokenF1));
    }

    /**
     * ReCoRD exact match: per example 1 if the normalized predicted text equals any normalized gold
     * answer, averaged over examples.
     */
    public static Metric maxExactMatch() {
        return new Simple("em", "EM", predictions -> textMean(predictions, Metrics::exactMatch));
    }

    /**
     * SQuAD answer normalization: lower case, punctuation removed, the articles a/an/the removed,
     * whitespace collapsed.
     */
    public static String normalizeAnswer(String text) {
        String s = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        s = PUNCTUATION.matcher(s).replaceAll("");
        s = ARTICLES.matcher(s).replaceAll(" ");
        return String.join(" ", s.trim().split("\\s+")).trim();
    }

    /** SQuAD token F1 of one prediction against one gold answer, after normalization. */
    public static double tokenF1(String predicted, String gold) {
        List<String> p = tokens(normalizeAnswer(predicted));
        List<String> g = tokens(normalizeAnswer(gold));
        if (p.isEmpty() || g.isEmpty()) {
            return p.equals(g) ? 1.0 : 0.0;
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String token : g) {
            counts.merge(token, 1, Integer::sum);
        }
        int common = 0;
        for (String token : p) {
            Integer left = counts.get(token);
            if (left != null && left > 0) {
                common++;
                counts.put(token, left - 1);
            }
        }
        if (common == 0) {
            return 0.0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** 1 if the normalized texts are equal, else 0. */
    public static double exactMatch(String predicted, String gold) {
        return normalizeAnswer(predicted).equals(normalizeAnswer(gold)) ? 1.0 : 0.0;
    }

    private static List<String> tokens(String normalized) {
        return normalized.isEmpty() ? List.of() : Arrays.asList(normalized.split(" "));
    }

    private static void requireNonEmpty(List<Prediction> predictions) {
        if (predictions.isEmpty()) {
            throw new PeftException("No predictions to aggregate: the evaluated split was empty.");
        }
    }

    private static void requireGold(Prediction p) {
        if (p.gold() < 0) {
            throw new PeftException("Example '" + p.exampleId() + "' has no gold label; "
                    + "metrics need a labelled split (train or val, not test).");
        }
    }

    static double accuracyOf(List<Prediction> predictions) {
        requireNonEmpty(predictions);
        int correct = 0;
        for (Prediction p : predictions) {
            requireGold(p);
            if (p.isCorrect()) {
                correct++;
            }
        }
        return (double) correct / predictions.size();
    }

    static double macroF1Of(List<Prediction> predictions, int numClasses) {
        requireNonEmpty(predictions);
        int[] truePositive = new int[numClasses];
        int[] predictedCount = new int[numClasses];
        int[] goldCount = new int[numClasses];
        for (Prediction p : predictions) {
            requireGold(p);
            checkClass(p, p.gold(), numClasses);
            checkClass(p, p.predicted(), numClasses);
            predictedCount[p.predicted()]++;
            goldCount[p.gold()]++;
            if (p.isCorrect()) {
                truePositive[p.gold()]++;
            }
        }
        double sum = 0;
        int present = 0;
        for (int c = 0; c < numClasses; c++) {
            if (predictedCount[c] == 0 && goldCount[c] == 0) {
                continue;
            }
            present++;
            sum += f1(truePositive[c], predictedCount[c], goldCount[c]);
        }
        return sum / present;
    }

    private static void checkClass(Prediction p, int index, int numClasses) {
        if (index < 0 || index >= numClasses) {
            throw new PeftException("Example '" + p.exampleId() + "' has class " + index
                    + ", outside 0.." + (numClasses - 1) + ".");
        }
    }

    private static double f1(int truePositive, int predicted, int gold) {
        if (truePositive == 0) {
            return 0.0;
        }
        double precision = (double) truePositive / predicted;
        double recall = (double) truePositive / gold;
        return 2 * precision * recall / (precision + recall);
    }

    static double binaryF1Of(List<Prediction> predictions) {
        requireNonEmpty(predictions);
        int truePositive = 0;
        int predicted = 0;
        int gold = 0;
        for (Prediction p : predictions) {
            requireGold(p);
            checkClass(p, p.gold(), 2);
            checkClass(p, p.predicted(), 2);
            predicted += p.predicted();
            gold += p.gold();
            if (p.predicted() == 1 && p.gold() == 1) {
                truePositive++;
            }
        }
        return f1(truePositive, predicted, gold);
    }

    static double groupExactMatchOf(List<Prediction> predictions) {
        requireNonEmpty(predictions);
        Map<String, Boolean> allCorrect = new LinkedHashMap<>();
        for (Prediction p : predictions) {
            requireGold(p);
            allCorrect.merge(p.groupId(), p.isCorrect(), Boolean::logicalAnd);
        }
        long correct = allCorrect.values().stream().filter(b -> b).count();
        return (double) correct / allCorrect.size();
    }

    private interface TextScore {
        double score(String predicted, String gold);
    }

    static double textMean(List<Prediction> predictions, TextScore score) {
        requireNonEmpty(predictions);
        double sum = 0;
        for (Prediction p : predictions) {
            String text = p.predictedText();
            if (text == null || p.goldAnswers().isEmpty()) {
                throw new PeftException("Example '" + p.exampleId() + "' has no predicted text or "
                        + "no gold answers; text metrics need both (use Prediction.text).");
            }
            double best = 0;
            for (String gold : p.goldAnswers()) {
                best = Math.max(best, score.score(text, gold));
            }
            sum += best;
        }
        return sum / predictions.size();
    }

    private interface Aggregation {
        double apply(List<Prediction> predictions);
    }

    private record Simple(String id, String shortName, Aggregation aggregation) implements Metric {
        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getShortName() {
            return shortName;
        }

        @Override
        public double aggregate(List<Prediction> predictions) {
            return aggregation.apply(predictions);
        }

        @Override
        public String toString() {
            return id;
        }
    }
}
