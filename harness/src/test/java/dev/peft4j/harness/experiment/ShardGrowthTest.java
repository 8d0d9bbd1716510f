package dev.peft4j.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards are dealt by position in run-id order, so growing a grid moves runs between shards; the
 * results folder's skip and locks still train every run once when the grown grid is submitted
 * over the old one's results (docs/SCALE-OUT.md, "Growing a grid").
 */
class ShardGrowthTest {

    @TempDir
    Path temp;

    private static Grid grid(List<Long> seeds) {
        return Grid.builder().addMethod("prompt-tuning").setTasks(List.of("cb")).setSeeds(seeds)
                .setPromptLengths(List.of(10)).setLearningRates(List.of(0.3)).build();
    }

    private static Map<String, Integer> shardOf(Grid grid, int count) {
        Map<String, Integer> shards = new HashMap<>();
        for (int i = 1; i <= count; i++) {
            for (RunSpec spec : new Shard(i, count).select(grid.expand())) {
                shards.put(spec.getRunId(), i);
            }
        }
        return shards;
    }

    @Test
    void growingAGridMovesRunsButTrainsEachRunOnce() {
        Grid small = grid(List.of(1L, 2L, 3L, 4L, 5L, 6L));
        // run ids sort as text: "_s10-" comes between "_s1-" and "_s2-", and moves what follows
        Grid grown = grid(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 10L));
        Map<String, Integer> before = shardOf(small, 3);
        Map<String, Integer> after = shardOf(grown, 3);
        Set<String> moved = new TreeSet<>();
        before.forEach((id, shard) -> {
            if (!after.get(id).equals(shard)) {
                moved.add(id);
            }
        });
        assertThat(moved).as("runs of the small grid in another shard of the grown one").isNotEmpty();

        ResultsFolder folder = new ResultsFolder(temp);
        ExperimentRunner runner = new ExperimentRunner(folder);
        Map<String, Integer> trained = new HashMap<>();
        RunExecutor fake = spec -> {
            trained.merge(spec.getRunId(), 1, Integer::sum);
            return ExperimentRunnerTest.fakeResult(spec);
        };
        // the small grid on 3 machines: shard 1 finished, shard 3 is still training one of its
        // runs (it holds the lock), shard 2's machine was lost before it trained anything
        runner.run(small, new Shard(1, 3), fake);
        String inFlight = new Shard(3, 3).select(small.expand()).get(0).getRunId();
        Optional<RunLock> heldByShard3 = folder.tryLock(inFlight);
        assertThat(heldByShard3).isPresent();
        Set<String> finishedBefore = new TreeSet<>(trained.keySet());

        // every shard of the grown grid, submitted into the same folder meanwhile
        for (int i = 1; i <= 3; i++) {
            runner.run(grown, new Shard(i, 3), fake);
        }
        assertThat(trained).as("finished runs are skipped wherever they moved").containsKeys(
                finishedBefore.toArray(String[]::new));
        assertThat(trained).as("the locked run is left to its holder").doesNotContainKey(inFlight);
        assertThat(trained.values()).allMatch(count -> count == 1);
        assertThat(trained).hasSize(grown.size() - 1);

        // shard 3 of the small grid finishes its run; nothing is left, nothing ran twice
        trained.merge(inFlight, 1, Integer::sum);
        folder.save(ExperimentRunnerTest.fakeResult(small.expand().stream()
                .filter(s -> s.getRunId().equals(inFlight)).findFirst().orElseThrow()));
        heldByShard3.get().close();
        for (int i = 1; i <= 3; i++) {
            assertThat(runner.run(grown, new Shard(i, 3), fake)).isEmpty();
        }
        assertThat(trained).hasSize(grown.size());
        assertThat(trained.values()).allMatch(count -> count == 1);
        assertThat(folder.readAll()).hasSize(grown.size());
    }
}
