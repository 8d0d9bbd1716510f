package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunTableTest {

    @TempDir
    Path temp;

    private static final DivergedRun DIVERGED = new DivergedRun("prompt-tuning_cb_lr10_s2", "prompt-tuning", "cb",
            "n=10 lr=0.3", 2, "the loss is NaN at epoch 1, step 3", Map.of());

    /* Runs.fixed(): each run's best and last epoch, its last loss 0.5 / epochs, wall time 12.5 s. */
    @Test
    void everyRunHasItsBestAndLastEpochSeedBySeedAndDivergedRunsTheirReason() {
        RunTable table = RunTable.of(Runs.fixed(), List.of(DIVERGED));

        assertThat(table.toMarkdown()).isEqualTo(
                "| Method | Settings | Task | Seed | Best epoch's score | Last epoch's score | Last epoch's train"
                + " loss | Trainable values | Wall time |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---:|\n"
                + "| prompt-tuning | n=10 lr=0.3 | cb | 1 | 50.0 (2) | 45.0 (3) | 0.167 | 7680 | 13 s |\n"
                + "| prompt-tuning | n=10 lr=0.3 | cb | 2 | diverged: the loss is NaN at epoch 1, step 3 | | | | |\n"
                + "| residual-prompt | n=10 lr=0.3 | cb | 1 | 70.0 (2) | 65.0 (3) | 0.167 | 7680 | 13 s |\n"
                + "| residual-prompt | n=10 lr=0.3 | cb | 2 | 72.0 (1) | 70.0 (3) | 0.167 | 7680 | 13 s |\n"
                + "| residual-prompt | n=10 lr=0.3 | cb | 3 | 74.0 (3) | 74.0 (3) | 0.167 | 7680 | 13 s |\n"
                + "| residual-prompt | n=10 lr=0.3 | rte | 1 | 60.0 (1) | 58.0 (2) | 0.250 | 7680 | 13 s |\n"
                + "| residual-prompt | n=10 lr=0.3 | rte | 2 | 64.0 (2) | 64.0 (2) | 0.250 | 7680 | 13 s |\n");
        assertThat(table.toCsv()).startsWith("method,settings,task,seed,metric,best,best_epoch,last,last_epoch,"
                        + "last_train_loss,trainable_parameters,wall_time_seconds,diverged\n"
                        + "prompt-tuning,n=10 lr=0.3,cb,1,acc_f1,50.00,2,45.00,3,0.166667,7680,12.5,\n"
                        + "prompt-tuning,n=10 lr=0.3,cb,2,,,,,,,,,\"the loss is NaN at epoch 1, step 3\"\n")
                .hasLineCount(8);
    }

    @Test
    void aRunEvaluatedWithoutTrainingHasNoLoss() {
        RunResult zeroShot = RunResult.builder().setRunId("zs").setMethodId("prompt-tuning").setTaskId("cb")
                .setMetric("acc_f1").setSeed(1).optEnvironment(Runs.ENV)
                .addEpoch(new EpochMetrics(0, Double.NaN, Map.of("acc_f1", 0.536))).build();

        RunTable table = RunTable.of(List.of(zeroShot), List.of());

        assertThat(table.toMarkdown()).endsWith("| cb | 1 | 53.6 (0) | 53.6 (0) | – | 0 | 0 s |\n");
        assertThat(table.toCsv()).endsWith(",acc_f1,53.60,0,53.60,0,,0,0.0,\n");
    }

    /*
     * A result whose last epoch has no metrics (peft4j evaluates the last epoch, a result from
     * elsewhere may not): the last score, its epoch and its loss are epoch 2's.
     */
    @Test
    void theLastEpochIsTheLastOneEvaluated() {
        RunResult run = RunResult.builder().setRunId("r").setMethodId("prompt-tuning").setTaskId("rte")
                .setMetric("accuracy").setSeed(1).optEnvironment(Runs.ENV)
                .addEpoch(new EpochMetrics(1, 0.7, Map.of("accuracy", 0.60)))
                .addEpoch(new EpochMetrics(2, 0.6, Map.of("accuracy", 0.55)))
                .addEpoch(new EpochMetrics(3, 0.5, Map.of())).build();

        assertThat(run.lastMetric()).isEqualTo(0.55);
        assertThat(run.lastEpoch()).isEqualTo(2);
        assertThat(run.lastTrainLoss()).isEqualTo(0.6);
        assertThat(EpochSelection.LAST.score(run)).isEqualTo(0.55);
        assertThat(EpochSelection.BEST.score(run)).isEqualTo(0.60);
        RunResult handWritten = RunResult.builder().setRunId("h").setMethodId("prompt-tuning").setTaskId("rte")
                .setMetric("accuracy").setSeed(1).optEnvironment(Runs.ENV).optBest(0.58, 4).build();
        assertThat(handWritten.lastMetric()).isEqualTo(0.58);
        assertThat(handWritten.lastEpoch()).isEqualTo(4);
        assertThat(handWritten.lastTrainLoss()).isNaN();
    }

    /* FewGLUE runs fit their 32 examples: a loss of 2.9e-05 must not print as 0.000. */
    @Test
    void aTinyLossKeepsItsSignificantDigits() {
        RunResult fitted = RunResult.builder().setRunId("f").setMethodId("prompt-tuning").setTaskId("cb")
                .setMetric("acc_f1").setSeed(1).optEnvironment(Runs.ENV)
                .addEpoch(new EpochMetrics(60, 2.9e-05, Map.of("acc_f1", 0.7))).build();

        RunTable table = RunTable.of(List.of(fitted), List.of());

        assertThat(table.toMarkdown()).contains("| 70.0 (60) | 70.0 (60) | 2.90e-05 |");
        assertThat(table.toCsv()).contains(",70.00,60,70.00,60,2.90000e-05,");
    }

    @Test
    void theTableIsWrittenAsMarkdownAndCsv() throws Exception {
        RunTable table = RunTable.of(Runs.fixed(), List.of());
        table.write(temp);
        assertThat(temp.resolve("runs.md")).hasContent(table.toMarkdown());
        assertThat(temp.resolve("runs.csv")).hasContent(table.toCsv());
    }
}
