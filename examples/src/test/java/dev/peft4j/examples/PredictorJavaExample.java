package dev.peft4j.examples;

import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import java.nio.file.Path;
import java.util.List;

/** The README's predictor example in Java: serve a prompt exported by {@code peft4j train --export-dir}. */
public final class PredictorJavaExample {

    private PredictorJavaExample() {}

    /** Classifies premise/hypothesis pairs with a CB export; one label per pair. */
    public static List<String> classify(Path exportFolder, List<String> premises, List<String> hypotheses) {
        // loads the backbone named in the export once; close() frees it
        try (Predictor predictor = Predictor.open(exportFolder)) {
            Prediction one = predictor.predict("It is raining.", "The street is wet.");
            System.out.printf("%s (p=%.2f) %s%n", one.label(), one.score(), one.probabilities());

            // batches run in one forward pass each; the predictor is safe to share between threads
            return predictor.predictPairs(premises, hypotheses).stream().map(Prediction::label).toList();
        }
    }
}
