package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultSummaryTest {

    @TempDir
    Path temp;

    /*
     * residual-prompt cb: 70, 72, 74 -> mean 72.0, sample std 2.0
     * residual-prompt rte: 60, 64 -> mean 62.0, sample std sqrt(2*2^2/1) = 2.83 -> 2.8
     * Average (72 + 62) / 2 = 67.0; prompt-tuning has no rte run, so no Average.
     */
    @Test
    void markdownTableOfMeanAndStdOverSeeds() {
        assertThat(ResultSummary.of(Runs.fixed()).toMarkdown()).isEqualTo(
                "| Method | Settings | cb (acc_f1) | rte (accuracy) | Average |\n"
                + "|---|---|---:|---:|---:|\n"
                + "| prompt-tuning | n=10 lr=0.3 | 50.0 (n=1) | – | – |\n"
                + "| residual-prompt | n=10 lr=0.3 | 72.0 ± 2.0 | 62.0 ± 2.8 (n=2) | 67.0 |\n");
    }

    /*
     * The same runs scored by their last epoch: residual-prompt cb 65, 70, 74 -> mean 69.7, sample
     * std sqrt((4.67^2 + 0.33^2 + 4.33^2) / 2) = 4.5; rte 64, 58 -> 61.0 ± 4.2; prompt-tuning cb
     * 45; Average (69.67 + 61) / 2 = 65.3.
     */
    @Test
    void theLastEpochSummaryScoresEachRunWithoutSelectionOnValidation() {
        ResultSummary last = ResultSummary.of(Runs.fixed(), List.of(), EpochSelection.LAST);

        assertThat(last.toMarkdown()).isEqualTo(
                "| Method | Settings | cb (acc_f1) | rte (accuracy) | Average |\n"
                + "|---|---|---:|---:|---:|\n"
                + "| prompt-tuning | n=10 lr=0.3 | 45.0 (n=1) | – | – |\n"
                + "| residual-prompt | n=10 lr=0.3 | 69.7 ± 4.5 | 61.0 ± 4.2 (n=2) | 65.3 |\n");
        assertThat(last.getSelection()).isEqualTo(EpochSelection.LAST);
        assertThat(last.getRows().get(1).cells().get("cb").values()).containsExactly(0.65, 0.70, 0.74);
        JsonObject json = JsonParser.parseString(last.toJson()).getAsJsonObject();
        assertThat(json.get("selection").getAsString()).isEqualTo("last-epoch");
    }

    @Test
    void eachCellKeepsEverySeedsScoreInSeedOrder() {
        ResultSummary.Cell cb = ResultSummary.of(Runs.fixed()).getRows().get(1).cells().get("cb");

        assertThat(cb.seeds()).containsExactly(1L, 2L, 3L);
        assertThat(cb.values()).containsExactly(0.70, 0.72, 0.74);
        assertThatThrownBy(() -> new ResultSummary.Cell("accuracy", 0.5, 0, List.of(1L, 2L), List.of(0.5)))
                .hasMessageContaining("2 seeds but 1 values");
    }

    @Test
    void csvTable() {
        assertThat(ResultSummary.of(Runs.fixed()).toCsv()).isEqualTo(
                "method,settings,cb_acc_f1_mean,cb_acc_f1_std,cb_acc_f1_n,cb_acc_f1_diverged,"
                + "rte_accuracy_mean,rte_accuracy_std,rte_accuracy_n,rte_accuracy_diverged,average\n"
                + "prompt-tuning,n=10 lr=0.3,50.00,0.00,1,0,,,,0,\n"
                + "residual-prompt,n=10 lr=0.3,72.00,2.00,3,0,62.00,2.83,2,0,67.00\n");
    }

    private static DivergedRun diverged(String method, String task, long seed, double lr) {
        return new DivergedRun(method + "_" + task + "_lr" + lr + "_s" + seed, method, task, "n=10 lr=" + lr, seed,
                "the loss is NaN at epoch 1, step 3", java.util.Map.of("seed", Long.toString(seed)));
    }

    /*
     * residual-prompt rte seed 3 diverged: its cell keeps the two finished seeds and says so;
     * prompt-tuning at lr 10 diverged on every seed of cb: no value, no Average, but a row.
     */
    @Test
    void divergedRunsAreCountedBesideTheirCellsNeverAveraged() {
        List<DivergedRun> failed = List.of(diverged("residual-prompt", "rte", 3, 0.3),
                diverged("prompt-tuning", "cb", 1, 10), diverged("prompt-tuning", "cb", 2, 10));

        ResultSummary summary = ResultSummary.of(Runs.fixed(), failed, EpochSelection.BEST);

        assertThat(summary.toMarkdown()).isEqualTo(
                "| Method | Settings | cb (acc_f1) | rte (accuracy) | Average |\n"
                + "|---|---|---:|---:|---:|\n"
                + "| prompt-tuning | n=10 lr=0.3 | 50.0 (n=1) | – | – |\n"
                + "| prompt-tuning | n=10 lr=10.0 | – (2 diverged) | – | – |\n"
                + "| residual-prompt | n=10 lr=0.3 | 72.0 ± 2.0 | 62.0 ± 2.8 (n=2, 1 diverged) | 67.0 |\n");
        assertThat(summary.toCsv()).contains("prompt-tuning,n=10 lr=10.0,,,,2,,,,0,\n")
                .contains("residual-prompt,n=10 lr=0.3,72.00,2.00,3,0,62.00,2.83,2,1,67.00\n");
        JsonObject row = JsonParser.parseString(summary.toJson()).getAsJsonObject().getAsJsonArray("rows").get(2)
                .getAsJsonObject();
        assertThat(row.getAsJsonObject("diverged").getAsJsonArray("rte").get(0).getAsLong()).isEqualTo(3);
    }

    @Test
    void aTaskWithOnlyDivergedRunsHasAColumnWithoutMetric() {
        ResultSummary summary = ResultSummary.of(List.of(), List.of(diverged("prompt-tuning", "wsc", 1, 10)), EpochSelection.BEST);

        assertThat(summary.getTasks()).containsExactly("wsc");
        assertThat(summary.toMarkdown()).contains("| wsc |").contains("| – (1 diverged) | – |");
        assertThat(summary.toCsv()).startsWith("method,settings,wsc_mean,wsc_std,wsc_n,wsc_diverged,average\n");
    }

    @Test
    void aRunBothFinishedAndDivergedFails() {
        assertThatThrownBy(() -> ResultSummary.of(Runs.fixed(), List.of(diverged("residual-prompt", "cb", 2, 0.3)),
                EpochSelection.BEST))
                .hasMessageContaining("recorded as diverged, but run residual-prompt_cb_lr0.3_s2 finished")
                .hasMessageContaining("remove one of them");
        DivergedRun twice = diverged("prompt-tuning", "rte", 1, 0.3);
        assertThatThrownBy(() -> ResultSummary.of(Runs.fixed(), List.of(twice, twice), EpochSelection.BEST))
                .hasMessageContaining("so is run prompt-tuning_rte_lr0.3_s1");
    }

    @Test
    void divergedRecordRoundTripsAndABrokenOneNamesItsFile() {
        DivergedRun run = diverged("prompt-tuning", "cb", 1, 10);
        Path file = temp.resolve("diverged").resolve("run.json");
        run.write(file);
        assertThat(DivergedRun.read(file)).isEqualTo(run);
        RunResultJson.write(file, Runs.fixed().get(0));
        assertThatThrownBy(() -> DivergedRun.read(file))
                .hasMessageContaining("Cannot read diverged-run record " + file)
                .hasMessageContaining("Delete the file to run that configuration again");
    }

    @Test
    void jsonSummaryHoldsRawValuesAndSeeds() {
        JsonObject json = JsonParser.parseString(ResultSummary.of(Runs.fixed()).toJson()).getAsJsonObject();
        assertThat(json.getAsJsonObject("taskMetrics").get("cb").getAsString()).isEqualTo("acc_f1");
        JsonObject row = json.getAsJsonArray("rows").get(1).getAsJsonObject();
        assertThat(row.get("methodId").getAsString()).isEqualTo("residual-prompt");
        JsonObject cb = row.getAsJsonObject("cells").getAsJsonObject("cb");
        assertThat(cb.get("mean").getAsDouble()).isCloseTo(0.72, within(1e-12));
        assertThat(cb.getAsJsonArray("seeds")).hasSize(3);
        assertThat(row.get("average").getAsDouble()).isCloseTo(0.67, within(1e-12));
    }

    @Test
    void summaryFilesAreWrittenUnderTheSelectionsName() throws Exception {
        ResultSummary.of(Runs.fixed()).write(temp);
        ResultSummary last = ResultSummary.of(Runs.fixed(), List.of(), EpochSelection.LAST);
        last.write(temp);
        assertThat(temp.resolve("summary.md")).hasContent(ResultSummary.of(Runs.fixed()).toMarkdown());
        assertThat(temp.resolve("summary.csv")).isNotEmptyFile();
        assertThat(temp.resolve("summary.json")).isNotEmptyFile();
        assertThat(temp.resolve("summary-last-epoch.md")).hasContent(last.toMarkdown());
        assertThat(temp.resolve("summary-last-epoch.csv")).hasContent(last.toCsv());
        assertThat(Files.readString(temp.resolve("summary-last-epoch.json"))).isEqualTo(last.toJson() + "\n");
    }

    @Test
    void duplicateSeedAndMixedMetricsFail() {
        List<RunResult> runs = new ArrayList<>(Runs.fixed());
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 0.3, 0.1));
        assertThatThrownBy(() -> ResultSummary.of(runs)).hasMessageContaining("same method, settings, task and seed (1)");
        List<RunResult> mixed = new ArrayList<>(Runs.fixed());
        mixed.add(Runs.run("residual-prompt", "cb", "accuracy", 9, 0.3, 0.1));
        assertThatThrownBy(() -> ResultSummary.of(mixed)).hasMessageContaining("report different metrics ('acc_f1' and 'accuracy'");
    }

    @Test
    void runResultRoundTripsThroughJson() {
        RunResult run = Runs.fixed().get(1);
        assertThat(run.bestMetric()).isEqualTo(0.70);
        assertThat(run.bestEpoch()).isEqualTo(2);
        assertThat(run.learningRates()).containsEntry("prompt", 0.3);
        String json = RunResultJson.toJson(run);
        assertThat(json).contains("\"methodId\": \"residual-prompt\"").contains("\"gitRevision\": null");
        assertThat(RunResultJson.fromJson(json, "test")).isEqualTo(run);
        Path file = temp.resolve("run.json");
        RunResultJson.write(file, run);
        assertThat(RunResultJson.read(file)).isEqualTo(run);
    }

    @Test
    void brokenResultFileNamesTheFile() {
        assertThatThrownBy(() -> RunResultJson.fromJson("{\"runId\": \"x\"}", "results/x.json"))
                .hasMessageContaining("Cannot read run result results/x.json")
                .hasMessageContaining("missing 'methodId'");
    }
}
