package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A bounded prompt-tuning run on real RTE training data: the loss goes down. */
@Tag("real-data")
class RteTrainingTest {

    private static final int STEPS = 60;
    private static final int BATCH = 8;
    private static final int PROMPT = 10;
    private static final int MAX_LENGTH = 128;

    @Test
    void lossOfTheLastTenStepsIsBelowTheFirstTen() {
        Backbone backbone = SharedMiniLm.get();
        List<TestData.Rte> train = new ArrayList<>(TestData.rte("train", Integer.MAX_VALUE));
        assertThat(train).hasSizeGreaterThan(2000);
        Collections.shuffle(train, new Random(42));
        List<Float> losses = new ArrayList<>();
        try (Steps steps = new Steps(backbone, PROMPT, 1e-2f)) {
            for (int step = 0; step < STEPS; step++) {
                List<TestData.Rte> examples = train.subList(step * BATCH, (step + 1) * BATCH);
                EncodedBatch batch = backbone.getTokenizer().encodePairs(
                        examples.stream().map(TestData.Rte::premise).toList(),
                        examples.stream().map(TestData.Rte::hypothesis).toList(),
                        MAX_LENGTH - PROMPT);
                long[] labels = examples.stream().mapToLong(TestData.Rte::label).toArray();
                losses.add(steps.step(batch, labels));
            }
        }
        double first = losses.subList(0, 10).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        double last = losses.subList(STEPS - 10, STEPS).stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        System.out.printf("RTE prompt tuning: mean loss first 10 steps %.4f, last 10 steps %.4f%n", first, last);
        assertThat(losses).allSatisfy(l -> assertThat(l).isFinite());
        assertThat(last).isLessThan(first);
    }
}
