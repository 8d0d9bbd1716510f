package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.plugins.PluginRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingRunTest {

    private static Backbone backbone;
    private static List<Example> train;
    private static final Task TASK = SuperGlueTasks.rte();

    @BeforeAll
    static void load() {
        backbone = Backbones.load(TinyBertFolder.shared().toString());
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        train = data.load(TASK, "train").subList(0, 120);
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    private static RunSpec spec(boolean bucket, long seed) {
        Map<String, String> shared = new TreeMap<>(Map.of("batch-size", "8", "max-length", "64",
                "bucket", Boolean.toString(bucket)));
        return new RunSpec("prompt-tuning", "rte", seed, 4, 0.3, Map.of(), shared);
    }

    private static long padded(TrainingRun step, List<List<Example>> batches) {
        long sum = 0;
        for (List<Example> batch : batches) {
            sum += (long) batch.size() * step.encode(batch).length();
        }
        return sum;
    }

    @Test
    void withoutBucketingBatchesFollowTheSeededShuffle() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun step = TrainingRun.create(backbone, TASK, PluginRegistry.discover().get("prompt-tuning"),
                    spec(false, 3), manager);
            List<Example> expected = new ArrayList<>(train);
            Collections.shuffle(expected, new Random(3 * 31 + 2));
            assertThat(step.batches(train, 2).stream().flatMap(List::stream).toList()).isEqualTo(expected);
        }
    }

    @Test
    void bucketingIsDeterministicKeepsEveryExampleAndCutsPadding() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            var plugin = PluginRegistry.discover().get("prompt-tuning");
            TrainingRun plain = TrainingRun.create(backbone, TASK, plugin, spec(false, 5), manager);
            TrainingRun bucketed = TrainingRun.create(backbone, TASK, plugin, spec(true, 5), manager);
            List<List<Example>> batches = bucketed.batches(train, 1);

            assertThat(bucketed.batches(train, 1)).isEqualTo(batches);
            assertThat(batches.stream().flatMap(List::stream).map(Example::id).sorted().toList())
                    .isEqualTo(train.stream().map(Example::id).sorted().toList());
            assertThat(padded(bucketed, batches)).isLessThan(padded(plain, plain.batches(train, 1)));
            assertThat(Float.isFinite(bucketed.step(batches.get(0)))).isTrue();
        }
    }
}
