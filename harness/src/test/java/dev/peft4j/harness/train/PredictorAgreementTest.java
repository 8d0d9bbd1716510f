package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host application's {@link Predictor} must give exactly what the harness's own evaluation gives
 * for the same export: a residual prompt trained briefly on CB, exported, then every CB validation
 * example predicted both ways; on synthetic CB with the tiny random BERT, and (tagged real-data)
 * on real CB with MiniLM.
 */
class PredictorAgreementTest {

    @TempDir
    Path temp;

    @Test
    void predictorAgreesWithTheHarnessEvaluationOnCbValidation() {
        assertPredictorAgrees(TinyBertFolder.shared().toString(), TestData.synthetic());
    }

    @Test
    @Tag("real-data")
    void predictorAgreesWithTheHarnessEvaluationOnRealCbWithMiniLm() {
        assertPredictorAgrees("all-minilm-l6-v2", TestData.dir());
    }

    private void assertPredictorAgrees(String backboneName, Path dataFolder) {
        Task cb = SuperGlueTasks.cb();
        DataLocator data = DataLocator.builder().optDataFolder(dataFolder).build();
        Map<String, String> shared = Map.of("backbone", backboneName, "epochs", "1", "max-steps", "3",
                "train-limit", "24", "eval-limit", "8", "max-length", "96");
        RunSpec spec = new RunSpec("residual-prompt", "cb", 1, 4, 0.3, Map.of("bottleneck", "16"), shared);
        int maxLength = TrainingConfig.fromMap(shared).maxLength();
        Path exportDir = temp.resolve("export");

        try (Backbone backbone = Backbones.load(backboneName)) {
            PromptTrainer trainer = PromptTrainer.builder().setBackbone(backbone).setRegistry(PluginRegistry.discover())
                    .setTasks(SuperGlueTasks::byId).setData(data).build();
            TrainedRun run = trainer.train(spec);
            // the head is part of the export (its parameters are named 03head_weight, ... by DJL)
            assertThat(run.headBias()).hasSize(3);
            assertThat(run.headWeight()).hasSize(3 * backbone.getEncoder().getConfig().hiddenSize());
            run.toExport(backbone, maxLength, spec.methodOptions()).write(exportDir);

            List<Example> val = cb.load("val", data.locate(cb, "val"));
            // the harness: ExportedClassifier scores, Evaluator picks the label
            List<float[]> harnessScores = new ArrayList<>();
            List<dev.peft4j.harness.metric.Prediction> harness;
            try (ExportedClassifier classifier = new ExportedClassifier(ExportFolder.read(exportDir), backbone, cb)) {
                harness = Evaluator.of(cb, 16).predict(val, batch -> {
                    float[][] scores = classifier.score(batch);
                    harnessScores.addAll(List.of(scores));
                    return scores;
                });
            }
            // the host: Predictor on the same folder, the pairs as a host would pass them
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (Example example : val) {
                TextInput input = example.inputs().get(0);
                first.add(input.text());
                second.add(Objects.requireNonNull(input.textPair()));
            }
            List<Prediction> predicted;
            try (Predictor predictor = Predictor.open(exportDir, backbone)) {
                assertThat(predictor.getLabels()).isEqualTo(cb.getLabels());
                predicted = predictor.predictPairs(first, second);
            }

            assertThat(predicted).hasSize(val.size());
            for (int i = 0; i < val.size(); i++) {
                String expectedLabel = cb.getLabels().get(harness.get(i).predicted());
                assertThat(predicted.get(i).label()).as("label of CB val example %s", val.get(i).id())
                        .isEqualTo(expectedLabel);
                double[] probabilities = Evaluator.softmax(harnessScores.get(i));
                for (int c = 0; c < probabilities.length; c++) {
                    assertThat(predicted.get(i).probabilities().get(cb.getLabels().get(c)))
                            .as("p(%s) of CB val example %s", cb.getLabels().get(c), val.get(i).id())
                            .isCloseTo(probabilities[c], within(1e-5));
                }
            }
        }
    }
}
