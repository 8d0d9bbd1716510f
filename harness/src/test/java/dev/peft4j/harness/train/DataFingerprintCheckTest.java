package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.GenericClassificationTask;
import dev.peft4j.harness.task.Task;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer refuses a run whose data is not the data its spec was made for. */
class DataFingerprintCheckTest {

    @Test
    void refusesToTrainOnDataThatChangedSinceTheSpecWasMade(@TempDir Path folder) throws Exception {
        Path train = Files.writeString(folder.resolve("train.jsonl"),
                "{\"text\": \"fine\", \"label\": \"pos\"}\n{\"text\": \"dull\", \"label\": \"neg\"}\n");
        Path val = Files.writeString(folder.resolve("val.jsonl"), "{\"text\": \"good\", \"label\": \"pos\"}\n");
        Task task = GenericClassificationTask.builder().setId("mine").setTextFields(List.of("text"))
                .setLabelField("label").addSplit("train", train).addSplit("val", val).build();
        DataLocator data = DataLocator.builder().build();
        TrainingConfig config = TrainingConfig.fromMap(Map.of("epochs", "1", "max-length", "16"));
        RunSpec spec = new RunSpec("prompt-tuning", "mine", 1, 2, 0.3, Map.of(), config.toMap())
                .withDataFingerprint(PromptTrainer.dataFingerprint(task, config, data));
        Files.writeString(train, "{\"text\": \"fine\", \"label\": \"neg\"}\n{\"text\": \"dull\", \"label\": \"pos\"}\n");

        try (Backbone backbone = Backbones.load(config.backbone())) {
            PromptTrainer trainer = PromptTrainer.builder().setBackbone(backbone).setRegistry(PluginRegistry.discover())
                    .setTasks(id -> task).setData(data).optCheckpointRoot(folder.resolve("checkpoints")).build();

            assertThatThrownBy(() -> trainer.train(spec)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("Run " + spec.getRunId())
                    .hasMessageContaining("fingerprint " + spec.dataFingerprint())
                    .hasMessageContaining(train.toString());
        }
        assertThat(folder.resolve("checkpoints")).doesNotExist();
    }
}
