package dev.peft4j.inference;

import dev.peft4j.backbones.EncodedBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The serving loop that {@link Predictor} and {@link PromptedEncoder} share: inputs
 * {@code [0, count)} encoded and run in batches of at most {@code batchSize}, one forward pass
 * and one host copy per batch, one result per input in input order.
 */
final class Batches {

    /** Encodes the inputs {@code from} (inclusive) to {@code to} (exclusive) as one batch. */
    @FunctionalInterface
    interface Encoder {
        EncodedBatch encode(int from, int to);
    }

    /** Reads the result of one input from its batch's row-major outputs. */
    @FunctionalInterface
    interface RowReader<R> {
        R read(float[] outputs, int row);
    }

    private Batches() {}

    static <R> List<R> run(int count, int batchSize, Encoder encoder, Function<EncodedBatch, float[]> forward,
            RowReader<R> rows) {
        List<R> results = new ArrayList<>(count);
        for (int start = 0; start < count; start += batchSize) {
            EncodedBatch batch = encoder.encode(start, Math.min(count, start + batchSize));
            float[] outputs = forward.apply(batch);
            for (int row = 0; row < batch.batchSize(); row++) {
                results.add(rows.read(outputs, row));
            }
        }
        return results;
    }
}
