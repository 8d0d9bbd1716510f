package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.GenericClassificationTask;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.train.ExportedClassifier;
import dev.peft4j.harness.train.TrainingConfig;
import dev.peft4j.harness.train.TrainingRun;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import dev.peft4j.plugins.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --prompt-placement before-input}: Hugging Face PEFT's {@code P' [CLS] text} in training,
 * in the run's identity, in the export and in serving, on the tiny random BERT.
 */
class PromptPlacementCommandTest {

    private static final String[] GOOD = {"the good red house", "a good old garden", "the happy children"};
    private static final String[] BAD = {"the lamp broke", "emma lost the key", "the cup fell and broke"};

    @Test
    void afterClsIsTheDefaultAndLeavesRunIdsAsTheyWere() {
        TrainingConfig defaults = TrainingConfig.fromMap(Map.of());
        assertThat(defaults.promptPlacement()).isEqualTo(PromptPlacement.AFTER_CLS);
        assertThat(defaults.toMap()).doesNotContainKey(TrainingConfig.PLACEMENT);
        TrainingConfig explicit = TrainingConfig.fromMap(Map.of(TrainingConfig.PLACEMENT, "after-cls"));
        assertThat(explicit.toMap()).isEqualTo(defaults.toMap());

        TrainingConfig before = TrainingConfig.fromMap(Map.of(TrainingConfig.PLACEMENT, " Before-Input "));
        assertThat(before.promptPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);
        assertThat(before.toMap()).containsEntry(TrainingConfig.PLACEMENT, "before-input");
        assertThat(TrainingConfig.fromMap(before.toMap())).isEqualTo(before);

        RunSpec plain = new RunSpec("prompt-tuning", "cb", 1, 4, 0.3, Map.of(), defaults.toMap());
        RunSpec peft = new RunSpec("prompt-tuning", "cb", 1, 4, 0.3, Map.of(), before.toMap());
        assertThat(peft.getRunId()).isNotEqualTo(plain.getRunId());

        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of(TrainingConfig.PLACEMENT, "before-inptu")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Setting 'prompt-placement'")
                .hasMessageContaining("Did you mean 'before-input'?");
    }

    @Test
    void theTrainingRunPlacesThePromptAsConfigured() {
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString());
                NDManager manager = backbone.getManager().newSubManager()) {
            for (PromptPlacement placement : PromptPlacement.values()) {
                RunSpec spec = new RunSpec("prompt-tuning", "rte", 1, 2, 0.3, Map.of(), Map.of(
                        "backbone", TinyBertFolder.shared().toString(), TrainingConfig.PLACEMENT, placement.id()));
                TrainingRun run = TrainingRun.create(backbone, SuperGlueTasks.rte(),
                        PluginRegistry.discover().get("prompt-tuning"), spec, manager);
                assertThat(run.getClassifier().getPlacement()).isEqualTo(placement);
            }
        }
    }

    @Test
    void trainsExportsAndServesWithPeftsPlacement(@TempDir Path folder) throws IOException {
        StringBuilder csv = new StringBuilder("text,label\n");
        for (int i = 0; i < 3; i++) {
            csv.append(GOOD[i]).append(",pos\n").append(BAD[i]).append(",neg\n");
        }
        Path train = Files.writeString(folder.resolve("train.csv"), csv);
        Path runs = folder.resolve("runs");
        Path export = folder.resolve("export");

        CommandRun trained = CommandRun.of("train", "--backbone", TinyBertFolder.shared().toString(),
                "--task", "reviews", "--method", "prompt-tuning", "-n", "3",
                "--train-file", train.toString(), "--val-file", train.toString(), "--text-fields", "text",
                "--results", runs.toString(), "--epochs", "1", "--batch-size", "3", "--max-length", "32",
                "--prompt-placement", "before-input", "--export-dir", export.toString());

        assertThat(trained.status()).as(trained.err()).isZero();
        Path result;
        try (Stream<Path> files = Files.list(runs)) {
            result = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        assertThat(json(result).getAsJsonObject("config").get(TrainingConfig.PLACEMENT).getAsString())
                .isEqualTo("before-input");
        assertThat(json(export.resolve(ExportFolder.SETTINGS_FILE)).get("placement").getAsString())
                .isEqualTo("before-input");

        // peft4j export rebuilds the run from its result and checkpoint: the same placement
        Path again = folder.resolve("again");
        String runId = result.getFileName().toString().replace(".json", "");
        CommandRun exported = CommandRun.of("export", "--results", runs.toString(), "--run", runId,
                "--out", again.toString(), "--train-file", train.toString(), "--val-file", train.toString(),
                "--text-fields", "text");
        assertThat(exported.status()).as(exported.err()).isZero();
        assertThat(ExportFolder.read(again).settings().promptPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);

        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--train-file",
                train.toString(), "--val-file", train.toString(), "--text-fields", "text");
        assertThat(evaluated.status()).as(evaluated.err()).isZero();

        // eval's scorer and a host's Predictor agree on the export, both with P' before [CLS]
        Task task = GenericClassificationTask.builder().setId("reviews").setTextFields(List.of("text"))
                .setLabelField("label").addSplit("train", train).addSplit("val", train).build();
        List<Example> examples = task.load("val", train);
        ExportFolder read = ExportFolder.read(export);
        try (Backbone backbone = Backbones.load(TinyBertFolder.shared().toString());
                ExportedClassifier scorer = new ExportedClassifier(read, backbone, task);
                Predictor predictor = Predictor.open(export, backbone)) {
            assertThat(predictor.getPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);
            float[][] scores = scorer.score(examples);
            List<Prediction> predicted = predictor.predictAll(examples.stream()
                    .map(e -> e.inputs().get(0).text()).toList());
            for (int i = 0; i < examples.size(); i++) {
                double[] p = Evaluator.softmax(scores[i]);
                for (int c = 0; c < p.length; c++) {
                    assertThat(predicted.get(i).probabilities().get(read.settings().labels().get(c)))
                            .isCloseTo(p[c], within(1e-5));
                }
            }
        }
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }
}
