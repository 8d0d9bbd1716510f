package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.plugins.PluginRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training examples without a label are counted aloud, never dropped without a word. */
class UnlabelledTrainingExamplesTest {

    @Test
    void leftOutTrainingExamplesAreCountedInAWarning(@TempDir Path folder) throws Exception {
        Path cb = Files.createDirectories(folder.resolve("superglue/CB"));
        String rows = "{\"premise\": \"It rained.\", \"hypothesis\": \"It was wet.\", \"label\": \"entailment\", \"idx\": 0}\n"
                + "{\"premise\": \"It was dry.\", \"hypothesis\": \"It rained.\", \"label\": \"contradiction\", \"idx\": 1}\n"
                + "{\"premise\": \"A cat sat.\", \"hypothesis\": \"It was red.\", \"idx\": 2}\n"
                + "{\"premise\": \"A dog ran.\", \"hypothesis\": \"It was fast.\", \"label\": \"neutral\", \"idx\": 3}\n";
        Files.writeString(cb.resolve("train.jsonl"), rows);
        Files.writeString(cb.resolve("val.jsonl"), rows.replace(", \"idx\": 2", ", \"label\": \"neutral\", \"idx\": 2"));
        TrainingConfig config = TrainingConfig.fromMap(Map.of("epochs", "1", "max-length", "24", "batch-size", "2",
                "max-steps", "1"));
        RunSpec spec = new RunSpec("prompt-tuning", "cb", 1, 2, 0.3, Map.of(), config.toMap());
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (Backbone backbone = Backbones.load(config.backbone())) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            PromptTrainer.builder().setBackbone(backbone).setRegistry(PluginRegistry.discover())
                    .setTasks(SuperGlueTasks::byId).setData(DataLocator.builder().optDataFolder(folder).build())
                    .optCheckpointRoot(folder.resolve("checkpoints")).build().train(spec);
        } finally {
            System.setErr(err);
        }

        // the log reaches the captured stream (this run has no data fingerprint, which is logged too)
        assertThat(captured.toString(StandardCharsets.UTF_8)).contains("has no data fingerprint");
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("1 of 4 training examples of task 'cb' have no label").contains("'2'");
    }
}
