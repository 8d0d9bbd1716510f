package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Methods that own their parameters (API 1.1) train through the harness: their parameters are
 * counted, checkpointed and restored (a stopped DePT run resumes to the same result), DPT and
 * SuperPos export P', and DePT's export is refused rather than written without its text update.
 */
class OwnParametersTrainingTest {

    private static final int N = 4;
    private static final int MAX_LENGTH = 48;

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static PromptTrainer trainer(@Nullable Path checkpoints, TrainingListener listener) {
        return TestTrainers.of(backbone, TestData.synthetic(), checkpoints, listener);
    }

    private static RunSpec spec(String method, Map<String, String> options) {
        Map<String, String> shared = new TreeMap<>(Map.of("backbone", backbone.getName(), "epochs", "3",
                "batch-size", "4", "max-length", Integer.toString(MAX_LENGTH), "train-limit", "12", "eval-limit", "12"));
        return new RunSpec(method, "cb", 7, N, 0.3, options, shared);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dpt", "dept", "superpos"})
    void trainsCountsItsParametersAndExportsOrRefuses(String method) {
        Map<String, String> options = switch (method) {
            case "dpt", "dept" -> Map.of("rank", "3");
            default -> Map.of("embeddings", "8");
        };
        TrainedRun run = trainer(null, new TrainingListener() {}).train(spec(method, options));

        int d = TinyBertFolder.HIDDEN;
        long head = 3L * d + 3;
        long s = MAX_LENGTH - N;
        long expected = switch (method) {
            case "dpt" -> 3L * (N + d);
            case "dept" -> (long) N * d + 3L * (s + d);
            default -> (long) N * 8;
        };
        assertThat(run.result().trainableParameters()).isEqualTo(expected + head);
        assertThat(run.result().epochs()).hasSize(3).allSatisfy(e -> assertThat(e.trainLoss()).isFinite());
        assertThat(run.prompt().shape().length()).isEqualTo(N);
        if (method.equals("dept")) {
            assertThat(run.updatesText()).isTrue();
            assertThatThrownBy(() -> run.toExport(backbone, MAX_LENGTH)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("'dept'").hasMessageContaining("text's input embeddings");
        } else {
            assertThat(run.toExport(backbone, MAX_LENGTH).getPrompt()).isEqualTo(run.prompt());
        }
    }

    @Test
    void aStoppedDeptRunResumesToTheSameResult(@TempDir Path uninterrupted, @TempDir Path interrupted) {
        RunSpec spec = spec("dept", Map.of("rank", "3"));
        TrainedRun reference = trainer(uninterrupted, new TrainingListener() {}).train(spec);

        TrainingListener stopAfterFirstEpoch = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 1) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> trainer(interrupted, stopAfterFirstEpoch).train(spec)).hasMessage("forced stop");
        int[] epochsTrained = {0};
        TrainedRun resumed = trainer(interrupted, new TrainingListener() {
            @Override
            public void onEpochEnd(RunSpec run, EpochMetrics metrics, double headline, double best) {
                epochsTrained[0]++;
            }
        }).train(spec);

        assertThat(epochsTrained[0]).as("epochs trained after resuming").isEqualTo(2);
        // the text update shapes every epoch's loss and metric: equal epochs mean A and B were restored
        assertThat(resumed.result().epochs()).isEqualTo(reference.result().epochs());
        assertThat(resumed.prompt()).isEqualTo(reference.prompt());
        assertThat(resumed.headWeight()).containsExactly(reference.headWeight());
    }
}
