package dev.peft4j.harness.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * Length-bucketed batching: inside each window of already shuffled examples, sort by length and
 * cut into batches, then shuffle those batches. Batches pad to their longest sequence, so grouping
 * similar lengths cuts padding, while the window keeps the epoch's order random. Deterministic for
 * a given input order and random generator (the sort is stable).
 */
final class LengthBuckets {

    private LengthBuckets() {}

    /**
     * Cuts {@code shuffled} into batches of {@code batchSize} (the last of each window may be
     * smaller), every example exactly once.
     *
     * @param windowBatches batches per window; 1 gives the plain order
     */
    static <T> List<List<T>> batches(List<T> shuffled, ToIntFunction<T> length, int batchSize, int windowBatches,
            Random random) {
        List<List<T>> batches = new ArrayList<>();
        int window = batchSize * Math.max(1, windowBatches);
        for (int start = 0; start < shuffled.size(); start += window) {
            List<T> part = new ArrayList<>(shuffled.subList(start, Math.min(shuffled.size(), start + window)));
            part.sort(Comparator.comparingInt(length));
            List<List<T>> windowed = new ArrayList<>();
            for (int i = 0; i < part.size(); i += batchSize) {
                windowed.add(List.copyOf(part.subList(i, Math.min(part.size(), i + batchSize))));
            }
            Collections.shuffle(windowed, random);
            batches.addAll(windowed);
        }
        return batches;
    }
}
