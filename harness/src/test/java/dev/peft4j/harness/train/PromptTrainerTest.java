package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.experiment.TrainingDivergedException;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training mechanics on the synthetic SuperGLUE folder with the tiny random BERT, bounded to a few short steps. */
class PromptTrainerTest {

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

    private static RunSpec spec(String method, String task, double lr, Map<String, String> extra) {
        Map<String, String> shared = new TreeMap<>(Map.of("backbone", backbone.getName(),
                "epochs", "3", "batch-size", "4", "max-length", "64", "train-limit", "12", "eval-limit", "12"));
        shared.putAll(extra);
        Map<String, String> options = method.equals("residual-prompt") ? Map.of("bottleneck", "16") : Map.of();
        return new RunSpec(method, task, 7, 4, lr, options, shared);
    }

    private static RunSpec residual() {
        return spec("residual-prompt", "cb", 0.3, Map.of());
    }

    @Test
    void sameSeedGivesIdenticalMetricsAndPrompt() {
        TrainedRun first = trainer(null, new TrainingListener() {}).train(residual());
        TrainedRun second = trainer(null, new TrainingListener() {}).train(residual());

        assertThat(first.result().epochs()).hasSize(3);
        assertThat(second.result().epochs()).isEqualTo(first.result().epochs());
        assertThat(second.prompt()).isEqualTo(first.prompt());
        assertThat(second.headWeight()).containsExactly(first.headWeight());
        RunResult result = first.result();
        assertThat(result.runId()).isEqualTo(residual().getRunId());
        assertThat(result.metric()).isEqualTo("acc_f1");
        // n·d + 2·d·m + m + 3·d for Φ, plus the head (3 × d + 3)
        int d = TinyBertFolder.HIDDEN;
        assertThat(result.trainableParameters()).isEqualTo(4 * d + 2 * d * 16 + 16 + 3 * d + 3 * d + 3);
        assertThat(result.exportedPromptParameters()).isEqualTo(4 * d);
        assertThat(result.epochs()).allSatisfy(e -> assertThat(e.trainLoss()).isFinite().isNotNegative());
    }

    @Test
    void runStoppedAfterACheckpointResumesToTheSameResult(@TempDir Path uninterrupted, @TempDir Path interrupted) {
        TrainedRun reference = trainer(uninterrupted, new TrainingListener() {}).train(residual());

        TrainingListener stopAfterFirstEpoch = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 1) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> trainer(interrupted, stopAfterFirstEpoch).train(residual()))
                .hasMessage("forced stop");
        assertThat(interrupted.resolve(residual().getRunId()).resolve(Checkpoint.folderName(1)).resolve(Checkpoint.META))
                .exists();

        int[] epochsTrained = {0};
        TrainingListener counting = new TrainingListener() {
            @Override
            public void onEpochEnd(RunSpec run, EpochMetrics metrics, double headline, double best) {
                epochsTrained[0]++;
            }
        };
        TrainedRun resumed = trainer(interrupted, counting).train(residual());

        assertThat(epochsTrained[0]).as("epochs trained after resuming").isEqualTo(2);
        assertThat(resumed.result().epochs()).isEqualTo(reference.result().epochs());
        assertThat(resumed.result().bestMetric()).isEqualTo(reference.result().bestMetric());
        assertThat(resumed.prompt()).isEqualTo(reference.prompt());
        assertThat(resumed.headWeight()).containsExactly(reference.headWeight());
    }

    @Test
    void evalEveryEvaluatesOnlyThoseEpochsAndTheLastWithoutChangingTraining(@TempDir Path checkpoints) {
        TrainedRun everyEpoch = trainer(null, new TrainingListener() {}).train(residual());
        RunSpec sparse = spec("residual-prompt", "cb", 0.3, Map.of("eval-every", "2"));
        TrainingListener stopAfterFirstEpoch = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 1) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> trainer(checkpoints, stopAfterFirstEpoch).train(sparse)).hasMessage("forced stop");

        RunResult result = trainer(checkpoints, new TrainingListener() {}).train(sparse).result();

        List<EpochMetrics> reference = everyEpoch.result().epochs();
        assertThat(result.epochs()).hasSize(3);
        assertThat(result.epochs().get(0).metrics()).as("epoch 1 is not evaluated").isEmpty();
        assertThat(result.epochs().get(0).trainLoss()).isEqualTo(reference.get(0).trainLoss());
        assertThat(result.epochs().subList(1, 3)).as("epoch 2 (every 2nd) and 3 (the last)")
                .isEqualTo(reference.subList(1, 3));
        double bestOfEvaluated = Math.max(reference.get(1).metrics().get("acc_f1"), reference.get(2).metrics().get("acc_f1"));
        assertThat(result.bestMetric()).isEqualTo(bestOfEvaluated);
        assertThat(result.bestEpoch()).isIn(2, 3);
    }

    @Test
    void corruptCheckpointIsTrainedAgain(@TempDir Path checkpoints) throws Exception {
        RunSpec oneEpoch = spec("prompt-tuning", "cb", 0.3, Map.of("epochs", "1"));
        trainer(checkpoints, new TrainingListener() {}).train(oneEpoch);
        Path tensors = checkpoints.resolve(oneEpoch.getRunId()).resolve(Checkpoint.folderName(1)).resolve(Checkpoint.TENSORS);
        byte[] bytes = Files.readAllBytes(tensors);
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(tensors, bytes);

        assertThat(trainer(checkpoints, new TrainingListener() {}).train(oneEpoch).result().epochs()).hasSize(1);
    }

    @Test
    void divergingRunStopsWithAReportInsteadOfNumbers() {
        RunSpec exploding = spec("prompt-tuning", "cb", 1e30, Map.of("max-grad-norm", "0", "head-lr", "1e30"));

        assertThatThrownBy(() -> trainer(null, new TrainingListener() {}).train(exploding))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageContaining("diverged")
                .hasMessageContaining("Lower the learning rate")
                .extracting(e -> ((TrainingDivergedException) e).getReason()).asString()
                .matches("the loss is \\S+ at epoch 1, step \\d+");
    }

    @Test
    void multipleChoiceTaskScoresEachChoice() {
        TrainedRun copa = trainer(null, new TrainingListener() {})
                .train(spec("prompt-tuning", "copa", 0.3, Map.of("epochs", "1")));

        assertThat(copa.headBias()).hasSize(1);
        assertThat(copa.result().metric()).isEqualTo("accuracy");
        assertThat(copa.result().bestMetric()).isBetween(0.0, 1.0);
    }

    @Test
    void unknownTrainingSettingIsRefusedWithTheClosestName() {
        RunSpec typo = spec("prompt-tuning", "cb", 0.3, Map.of("epoch", "2"));

        assertThatThrownBy(() -> trainer(null, new TrainingListener() {}).train(typo))
                .hasMessageContaining("Unknown training setting 'epoch'")
                .hasMessageContaining("Did you mean 'epochs'?");
    }
}
