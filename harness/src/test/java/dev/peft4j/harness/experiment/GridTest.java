package dev.peft4j.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.harness.report.DivergedRun;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GridTest {

    @TempDir
    Path temp;

    private static Grid grid() {
        return Grid.builder()
                .addMethod("prompt-tuning")
                .addMethod("residual-prompt", List.of(Map.of("bottleneck", "400"), Map.of("bottleneck", "100")))
                .setTasks(List.of("cb", "rte"))
                .setSeeds(List.of(1L, 2L, 3L))
                .setPromptLengths(List.of(10, 100))
                .setLearningRates(List.of(0.3, 1e-4))
                .optShared(Map.of("epochs", "20", "batchSize", "16"))
                .build();
    }

    private static RunResult fakeResult(RunSpec spec) {
        return spec.resultBuilder()
                .setMetric("accuracy")
                .addEpoch(new EpochMetrics(1, 0.7, Map.of("accuracy", 0.5 + spec.seed() / 100.0)))
                .optEnvironment(new RunEnvironment("17", "Linux", 2, "cpu()", null))
                .build();
    }

    @Test
    void expandsTheFullProductInAFixedOrder() {
        List<RunSpec> runs = grid().expand();
        // (1 + 2 option sets) x 2 tasks x 2 lengths x 2 rates x 3 seeds
        assertThat(runs).hasSize(72).hasSize(grid().size());
        assertThat(runs).extracting(RunSpec::getRunId).doesNotHaveDuplicates();
        assertThat(runs.get(0).getRunId()).startsWith("prompt-tuning_cb_n10_lr0.3_s1-");
        assertThat(runs.get(1).getRunId()).startsWith("prompt-tuning_cb_n10_lr0.3_s2-");
        assertThat(runs.get(3).getRunId()).startsWith("prompt-tuning_cb_n10_lr0.0001_s1-");
        assertThat(runs.get(24).getSettings()).isEqualTo("n=10 lr=0.3 bottleneck=400");
        assertThat(runs.get(24).getConfig()).containsEntry("method.bottleneck", "400").containsEntry("epochs", "20")
                .containsEntry("seed", "1").containsEntry("task", "cb");
    }

    @Test
    void runIdsAreStableAndDependOnEveryOption() {
        RunSpec a = new RunSpec("residual-prompt", "cb", 1, 10, 0.3, Map.of("bottleneck", "400"), Map.of("epochs", "20"));
        RunSpec same = new RunSpec("residual-prompt", "cb", 1, 10, 0.3, Map.of("bottleneck", "400"), Map.of("epochs", "20"));
        RunSpec otherOption = new RunSpec("residual-prompt", "cb", 1, 10, 0.3, Map.of("bottleneck", "100"), Map.of("epochs", "20"));
        assertThat(a.getRunId()).isEqualTo(same.getRunId()).matches("residual-prompt_cb_n10_lr0.3_s1-[0-9a-f]{8}");
        assertThat(otherOption.getRunId()).isNotEqualTo(a.getRunId()).startsWith("residual-prompt_cb_n10_lr0.3_s1-");
        assertThat(grid().expand().get(5).getRunId()).isEqualTo(grid().expand().get(5).getRunId());
    }

    @Test
    void repeatedValuesAndEmptyListsFail() {
        assertThatThrownBy(() -> Grid.builder().addMethod("m").setTasks(List.of("cb")).setSeeds(List.of(1L, 1L))
                .setPromptLengths(List.of(10)).setLearningRates(List.of(0.3)).build().expand())
                .hasMessageContaining("lists run m_cb_n10_lr0.3_s1-").hasMessageContaining("twice");
        assertThatThrownBy(() -> Grid.builder().addMethod("m").setTasks(List.of("cb")).build())
                .hasMessage("The grid has no seeds; give at least one with setSeeds.");
    }

    @Test
    void shardsAreDisjointCoveringAndBalanced() {
        List<RunSpec> runs = grid().expand();
        Set<String> seen = new HashSet<>();
        int n = 5;
        for (int i = 1; i <= n; i++) {
            List<RunSpec> shard = Shard.parse(i + "/" + n).select(runs);
            assertThat(shard.size()).isBetween(runs.size() / n, runs.size() / n + 1);
            for (RunSpec spec : shard) {
                assertThat(seen.add(spec.getRunId())).as("run %s in two shards", spec.getRunId()).isTrue();
            }
        }
        assertThat(seen).hasSize(runs.size());
        // Independent of the order the grid lists its runs in.
        List<RunSpec> reversed = new ArrayList<>(runs);
        java.util.Collections.reverse(reversed);
        assertThat(Shard.parse("2/5").select(reversed)).isEqualTo(Shard.parse("2/5").select(runs));
    }

    @Test
    void shardParsingFailsClearly() {
        assertThat(Shard.parse(" 3/4 ")).isEqualTo(new Shard(3, 4));
        assertThatThrownBy(() -> Shard.parse("0/4")).hasMessageContaining("Shard 0/4 is invalid");
        assertThatThrownBy(() -> Shard.parse("5/4")).hasMessageContaining("1 <= i <= n");
        assertThatThrownBy(() -> Shard.parse("two")).hasMessage("Shard 'two' is not of the form i/n (for example 2/4).");
    }

    @Test
    void finishedRunsAreSkippedWhenTheGridRunsAgain() throws IOException {
        ResultsFolder folder = new ResultsFolder(temp.resolve("results"));
        ExperimentRunner runner = new ExperimentRunner(folder);
        List<String> executed = new ArrayList<>();
        RunExecutor executor = spec -> {
            executed.add(spec.getRunId());
            return fakeResult(spec);
        };
        assertThat(runner.run(grid(), Shard.parse("1/2"), executor)).hasSize(36);
        assertThat(executed).hasSize(36);
        try (var files = Files.list(folder.getFolder())) {
            assertThat(files).hasSize(36);
        }
        // Break one result file: that run is repeated; the rest of shard 1 is skipped.
        String broken = executed.get(7);
        Files.writeString(folder.fileFor(broken), "{ not json");
        executed.clear();
        runner.run(grid(), Shard.parse("1/2"), executor);
        assertThat(executed).containsExactly(broken);
        executed.clear();
        runner.run(grid(), Shard.ALL, executor);
        assertThat(executed).hasSize(36);
        executed.clear();
        assertThat(runner.run(grid(), Shard.ALL, executor)).isEmpty();
        assertThat(executed).isEmpty();
        assertThat(folder.readAll()).hasSize(72);
    }

    @Test
    void executorReturningAnotherRunFails() {
        ExperimentRunner runner = new ExperimentRunner(new ResultsFolder(temp));
        RunSpec other = new RunSpec("x", "cb", 9, 1, 0.1, Map.of(), Map.of());
        assertThatThrownBy(() -> runner.run(grid(), Shard.ALL, spec -> fakeResult(other)))
                .hasMessageContaining("returned a result for run '" + other.getRunId() + "'");
    }

    @Test
    void reportMergeReadsEveryFolderOnceAndNamesBrokenFiles() throws IOException {
        List<RunSpec> runs = grid().expand();
        ResultsFolder a = new ResultsFolder(temp.resolve("a"));
        ResultsFolder b = new ResultsFolder(temp.resolve("b"));
        for (RunSpec spec : Shard.parse("1/2").select(runs)) {
            a.save(fakeResult(spec));
        }
        for (RunSpec spec : Shard.parse("2/2").select(runs)) {
            b.save(fakeResult(spec));
        }
        b.save(fakeResult(runs.get(0))); // the same run in both folders counts once
        Files.writeString(temp.resolve("a/summary.json"), "{}");
        Files.writeString(temp.resolve("a/summary-last-epoch.json"), "{}");
        List<RunResult> merged = ResultsFolder.readAll(List.of(a.getFolder(), b.getFolder()));
        assertThat(merged).hasSize(72);
        assertThat(merged).extracting(RunResult::runId).doesNotHaveDuplicates();
        RunResult first = RunResultJson.read(a.fileFor(runs.get(0).getRunId()).toFile().exists()
                ? a.fileFor(runs.get(0).getRunId()) : b.fileFor(runs.get(0).getRunId()));
        assertThat(first.settings()).isEqualTo("n=10 lr=0.3");
        Files.writeString(temp.resolve("b/bad.json"), "[]");
        assertThatThrownBy(() -> ResultsFolder.readAll(List.of(a.getFolder(), b.getFolder())))
                .hasMessageContaining("Cannot read run result " + temp.resolve("b/bad.json"));
        assertThatThrownBy(() -> ResultsFolder.readAll(List.of(temp.resolve("missing"))))
                .hasMessageContaining("Results folder " + temp.resolve("missing") + " does not exist");
    }

    @Test
    void aDivergingRunIsRecordedTheGridGoesOnAndTheRecordIsKeptUntilDeleted() throws IOException {
        ResultsFolder folder = new ResultsFolder(temp.resolve("results"));
        ExperimentRunner runner = new ExperimentRunner(folder);
        List<String> executed = new ArrayList<>();
        RunExecutor highRatesDiverge = spec -> {
            executed.add(spec.getRunId());
            if (spec.learningRate() > 0.1) {
                throw new TrainingDivergedException("Run " + spec.getRunId() + " diverged: the loss is NaN");
            }
            return fakeResult(spec);
        };

        List<RunResult> finished = runner.run(grid(), Shard.ALL, highRatesDiverge);

        assertThat(executed).hasSize(72);
        assertThat(finished).hasSize(36).allSatisfy(r -> assertThat(r.learningRate()).isEqualTo(1e-4));
        List<DivergedRun> diverged = folder.readDiverged();
        assertThat(diverged).hasSize(36).allSatisfy(d -> {
            assertThat(d.settings()).startsWith("n=").contains("lr=0.3");
            assertThat(d.reason()).isEqualTo("Run " + d.runId() + " diverged: the loss is NaN");
            assertThat(RunSpec.fromConfig(d.config()).getRunId()).isEqualTo(d.runId());
        });
        assertThat(folder.readAll()).hasSize(36);

        executed.clear();
        assertThat(runner.run(grid(), Shard.ALL, highRatesDiverge)).isEmpty();
        assertThat(executed).isEmpty();

        Files.delete(folder.divergedFileFor(diverged.get(0).runId()));
        runner.run(grid(), Shard.ALL, spec -> fakeResult(spec));
        assertThat(folder.readAll()).hasSize(37);
        assertThat(folder.readDiverged()).hasSize(35);
        assertThat(ResultsFolder.readDiverged(List.of(temp))).isEmpty();
    }

    @Test
    void otherFailuresStopTheGridWithEarlierResultsSaved() {
        ResultsFolder folder = new ResultsFolder(temp.resolve("results"));
        List<String> executed = new ArrayList<>();
        RunExecutor failsOnTheThird = spec -> {
            executed.add(spec.getRunId());
            if (executed.size() == 3) {
                throw new IllegalStateException("out of memory");
            }
            return fakeResult(spec);
        };

        assertThatThrownBy(() -> new ExperimentRunner(folder).run(grid(), Shard.ALL, failsOnTheThird))
                .hasMessage("out of memory");
        assertThat(folder.readAll()).hasSize(2);
        assertThat(folder.getFolder().resolve(ResultsFolder.DIVERGED)).doesNotExist();
    }
}
