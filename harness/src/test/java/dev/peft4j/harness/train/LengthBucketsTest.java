package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LengthBucketsTest {

    /** Items are their own lengths: 0..999 in a seeded random order, lengths 5..504. */
    private static List<Integer> shuffled() {
        List<Integer> items = new ArrayList<>(IntStream.range(0, 1000).map(i -> 5 + i % 500).boxed().toList());
        java.util.Collections.shuffle(items, new Random(7));
        return items;
    }

    private static long paddedPositions(List<List<Integer>> batches) {
        return batches.stream().mapToLong(b -> (long) b.size() * b.stream().mapToInt(i -> i).max().orElse(0)).sum();
    }

    @Test
    void keepsEveryExampleOnceAndCutsPadding() {
        List<Integer> items = shuffled();
        List<List<Integer>> bucketed = LengthBuckets.batches(items, i -> i, 16, 50, new Random(3));
        List<List<Integer>> plain = LengthBuckets.batches(items, i -> i, 16, 1, new Random(3));

        assertThat(bucketed.stream().flatMap(List::stream).sorted().toList())
                .isEqualTo(items.stream().sorted().toList());
        assertThat(bucketed).allSatisfy(b -> assertThat(b.size()).isBetween(1, 16));
        assertThat(paddedPositions(bucketed)).isLessThan(paddedPositions(plain) * 3 / 4);
    }

    @Test
    void isDeterministicPerSeedAndDiffersAcrossSeeds() {
        List<Integer> items = shuffled();
        assertThat(LengthBuckets.batches(items, i -> i, 8, 10, new Random(11)))
                .isEqualTo(LengthBuckets.batches(items, i -> i, 8, 10, new Random(11)));
        assertThat(LengthBuckets.batches(items, i -> i, 8, 10, new Random(11)))
                .isNotEqualTo(LengthBuckets.batches(items, i -> i, 8, 10, new Random(12)));
    }

    @Test
    void aWindowOfOneBatchKeepsThePlainBatches() {
        List<Integer> items = shuffled();
        List<List<Integer>> batches = LengthBuckets.batches(items, i -> i, 16, 1, new Random(5));
        for (int b = 0; b < batches.size(); b++) {
            List<Integer> expected = new ArrayList<>(items.subList(b * 16, Math.min(items.size(), (b + 1) * 16)));
            expected.sort(null);
            assertThat(batches.get(b)).isEqualTo(expected);
        }
    }

    @Test
    void batchesStayInsideTheirWindow() {
        List<Integer> items = shuffled();
        List<List<Integer>> batches = LengthBuckets.batches(items, i -> i, 10, 5, new Random(1));
        // the first 5 batches hold exactly the first 50 shuffled items
        assertThat(batches.subList(0, 5).stream().flatMap(List::stream).sorted().toList())
                .isEqualTo(items.subList(0, 50).stream().sorted().toList());
    }
}
