package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.EncodedBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared serving loop: full batches, a last partial one, results in input order; no model needed. */
class BatchesTest {

    @Test
    void splitsIntoBatchesAndKeepsInputOrder() {
        List<String> ranges = new ArrayList<>();
        List<Integer> results = Batches.run(7, 3, (from, to) -> {
            ranges.add(from + ".." + to);
            // One token per input whose id is the input's index, so a row's result names its input.
            long[] ids = new long[to - from];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = from + i;
            }
            return new EncodedBatch(ids.length, 1, ids, new long[ids.length], new long[ids.length]);
        }, batch -> {
            float[] outputs = new float[batch.batchSize()];
            for (int row = 0; row < outputs.length; row++) {
                outputs[row] = batch.tokenIds()[row] * 10;
            }
            return outputs;
        }, (outputs, row) -> (int) outputs[row]);

        assertThat(ranges).containsExactly("0..3", "3..6", "6..7");
        assertThat(results).containsExactly(0, 10, 20, 30, 40, 50, 60);
    }

    @Test
    void noInputsRunNoBatch() {
        List<Object> results = Batches.run(0, 4, (from, to) -> {
            throw new AssertionError("no batch expected");
        }, batch -> new float[0], (outputs, row) -> row);
        assertThat(results).isEmpty();
    }
}
