package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EpochCurvesTest {

    @Test
    void averagesEachEpochOverSeedsPerTaskMethodAndSettings() {
        List<EpochCurves.Point> points = EpochCurves.of(Runs.fixed());

        assertThat(points).extracting(p -> p.taskId() + " " + p.methodId() + " " + p.epoch()).containsExactly(
                "cb prompt-tuning 1", "cb prompt-tuning 2", "cb prompt-tuning 3",
                "cb residual-prompt 1", "cb residual-prompt 2", "cb residual-prompt 3",
                "rte residual-prompt 1", "rte residual-prompt 2");
        EpochCurves.Point cbFirst = points.get(3);
        assertThat(cbFirst.mean()).isCloseTo((0.60 + 0.72 + 0.50) / 3, within(1e-12));
        assertThat(cbFirst.std()).isCloseTo(0.11015141094572204, within(1e-12));
        assertThat(cbFirst.count()).isEqualTo(3);
        assertThat(cbFirst.trainLoss()).as("Runs gives epoch e the loss 0.5 / e").isEqualTo(0.5);
        assertThat(points.get(4).trainLoss()).isEqualTo(0.25);
        assertThat(EpochCurves.toCsv(points)).startsWith("task,method,settings,epoch,mean,std,n,train_loss\n"
                + "cb,prompt-tuning,n=10 lr=0.3,1,40.00,0.00,1,0.5000\n");
    }

    @Test
    void epochsWithoutMetricsAreLeftOut() {
        RunResult evaluatedEveryOther = RunResult.builder()
                .setRunId("sparse").setMethodId("prompt-tuning").setTaskId("cb").setMetric("acc_f1").setSeed(1)
                .optSettings("n=10 lr=0.3").optPromptLength(10).optLearningRate(0.3)
                .addEpoch(new EpochMetrics(1, 0.9, Map.of()))
                .addEpoch(new EpochMetrics(2, 0.7, Map.of("acc_f1", 0.5)))
                .optEnvironment(Runs.ENV).build();

        List<EpochCurves.Point> points = EpochCurves.of(new ArrayList<>(List.of(evaluatedEveryOther)));

        assertThat(points).singleElement().satisfies(p -> {
            assertThat(p.epoch()).isEqualTo(2);
            assertThat(p.mean()).isEqualTo(0.5);
        });
    }

    @Test
    void anEpochWithoutMetricsSaysSoInLogLines() {
        assertThat(new EpochMetrics(1, 0.9, Map.of()).metricsText()).isEqualTo("(not evaluated)");
        assertThat(new EpochMetrics(2, 0.7, Map.of("acc_f1", 0.5)).metricsText()).isEqualTo("{acc_f1=0.5}");
    }
}
