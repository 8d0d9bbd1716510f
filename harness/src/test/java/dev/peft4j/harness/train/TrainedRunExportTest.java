package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.inference.ExportFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code train --export-dir} writes for Hugging Face PEFT (see PeftInteropTest in api for each field). */
class TrainedRunExportTest {

    @TempDir
    Path temp;

    @Test
    void theAdapterConfigNamesTheHubIdAndATaskTypePeftLoadsWhilePeft4jJsonKeepsTheBackbone() throws IOException {
        Path model = TinyBertFolder.shared();
        RunSpec spec = new RunSpec("prompt-tuning", "cb", 1, 2, 0.3, Map.of(), Map.of());
        RunResult result = spec.resultBuilder().setMetric("accuracy")
                .addEpoch(new EpochMetrics(1, 0.7, Map.of("accuracy", 0.5)))
                .optEnvironment(new RunEnvironment("17", "Linux", 2, "cpu()", null)).build();
        int d = TinyBertFolder.HIDDEN;
        PromptShape shape = new PromptShape(2, d);
        TrainedRun run = new TrainedRun(result, new PromptEmbeddings(shape, new float[2 * d]), new float[3 * d],
                new float[3], List.of("entailment", "contradiction", "neutral"));
        Path folder = temp.resolve("export");
        try (Backbone backbone = Backbones.load(model.toString())) {
            run.toExport(backbone, 32).write(folder);
        }

        JsonObject config = JsonParser.parseString(Files.readString(folder.resolve(PromptAdapterFiles.CONFIG_FILE)))
                .getAsJsonObject();
        assertThat(config.get("task_type").getAsString()).isEqualTo("FEATURE_EXTRACTION");
        // the tiny model's config.json records no _name_or_path, so the folder's own name
        assertThat(config.get("base_model_name_or_path").getAsString())
                .isEqualTo(model.toAbsolutePath().normalize().getFileName().toString());
        assertThat(config.get("num_layers").getAsInt()).isEqualTo(TinyBertFolder.LAYERS);
        assertThat(config.get("num_attention_heads").getAsInt()).isEqualTo(TinyBertFolder.HEADS);
        assertThat(ExportFolder.read(folder).settings().backbone()).isEqualTo(model.toString());
    }
}
