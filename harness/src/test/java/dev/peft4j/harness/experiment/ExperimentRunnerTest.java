package dev.peft4j.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runners sharing one results folder: each run is trained once. */
class ExperimentRunnerTest {

    @TempDir
    Path temp;

    static Grid grid() {
        return Grid.builder()
                .addMethod("prompt-tuning")
                .setTasks(List.of("cb"))
                .setSeeds(List.of(1L, 2L, 3L, 4L, 5L, 6L))
                .setPromptLengths(List.of(10))
                .setLearningRates(List.of(0.3))
                .build();
    }

    static RunResult fakeResult(RunSpec spec) {
        return spec.resultBuilder()
                .setMetric("accuracy")
                .addEpoch(new EpochMetrics(1, 0.7, Map.of("accuracy", 0.5)))
                .optEnvironment(new RunEnvironment("17", "Linux", 2, "cpu()", null))
                .build();
    }

    @Test
    void twoRunnersOnOneFolderTrainEachRunOnce() throws Exception {
        Map<String, AtomicInteger> trained = new ConcurrentHashMap<>();
        // both runners are inside a run at the same time before either finishes one
        CountDownLatch bothTraining = new CountDownLatch(2);
        RunExecutor fake = spec -> {
            trained.computeIfAbsent(spec.getRunId(), id -> new AtomicInteger()).incrementAndGet();
            bothTraining.countDown();
            try {
                bothTraining.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fakeResult(spec);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<List<RunResult>>> runners = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                runners.add(pool.submit(() -> new ExperimentRunner(new ResultsFolder(temp)).run(grid(), Shard.ALL, fake)));
            }
            int returned = 0;
            for (Future<List<RunResult>> runner : runners) {
                returned += runner.get(120, TimeUnit.SECONDS).size();
            }
            assertThat(bothTraining.getCount()).as("both runners trained concurrently").isZero();
            assertThat(trained).hasSize(6);
            assertThat(trained.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
            assertThat(returned).isEqualTo(6);
            assertThat(new ResultsFolder(temp).readAll()).hasSize(6);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void checkGridListsEachProblemOnceBeforeAnythingRuns() {
        Grid grid = Grid.builder()
                .addMethod("prompt-tuning")
                .addMethod("residual-prompt", List.of(Map.of("botleneck", "16")))
                .setTasks(List.of("cb", "rte"))
                .setSeeds(List.of(1L, 2L))
                .setPromptLengths(List.of(10))
                .setLearningRates(List.of(0.3))
                .build();
        RunCheck check = spec -> {
            if (spec.methodOptions().containsKey("botleneck")) {
                throw new dev.peft4j.api.InvalidOptionException("Unknown option 'botleneck'");
            }
        };
        assertThatThrownBy(() -> ExperimentRunner.checkGrid(grid, check))
                .isInstanceOf(dev.peft4j.api.PeftException.class)
                .hasMessageStartingWith("The grid has 1 problem(s) in 4 of its 8 runs; nothing was trained.")
                .hasMessageContaining("- Unknown option 'botleneck' (4 runs, e.g. residual-prompt_");
        ExperimentRunner.checkGrid(grid(), check);
    }
}
