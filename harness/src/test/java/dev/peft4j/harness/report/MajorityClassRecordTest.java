package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Run results record the majority-class level; results written before it read as unknown. */
class MajorityClassRecordTest {

    private static RunResult.Builder run() {
        return RunResult.builder().setRunId("r").setMethodId("prompt-tuning").setTaskId("cb").setMetric("acc_f1")
                .setSeed(1).addEpoch(new EpochMetrics(1, 0.5, Map.of("acc_f1", 0.6))).optEnvironment(Runs.ENV);
    }

    @Test
    void recordedLevelSurvivesTheJsonRoundTrip() {
        String json = RunResultJson.toJson(run().optMajorityClassMetric(0.25).build());

        assertThat(RunResultJson.fromJson(json, "test").majorityClassMetric()).isEqualTo(0.25);
    }

    @Test
    void resultWrittenBeforeTheFieldExistedHasNoLevel() {
        String json = RunResultJson.toJson(run().optMajorityClassMetric(0.25).build())
                .replaceAll(",\\s*\"majorityClassMetric\": 0.25", "");
        assertThat(json).doesNotContain("majorityClassMetric");

        assertThat(RunResultJson.fromJson(json, "test").majorityClassMetric()).isNull();
    }
}
