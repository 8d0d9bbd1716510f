package dev.peft4j.harness.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.harness.task.GenericClassificationTask;
import dev.peft4j.harness.task.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fingerprint changes with anything that changes the examples, and only with that. */
class DataFingerprintTest {

    private static final String ROWS = "{\"text\": \"fine\", \"label\": \"pos\", \"stars\": \"5\"}\n"
            + "{\"text\": \"dull\", \"label\": \"neg\", \"stars\": \"1\"}\n";

    private static Task task(Path train, String labelField, List<String> labels) {
        return GenericClassificationTask.builder().setId("mine").setTextFields(List.of("text"))
                .setLabelField(labelField).optLabels(labels).addSplit("train", train).build();
    }

    private static String fingerprint(Task task) {
        return DataFingerprint.of(task, Map.of("train", Path.of(task.getSplit("train").fileName())));
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    @Test
    void theSameContentElsewhereHasTheSameFingerprint(@TempDir Path folder) throws IOException {
        Path here = write(folder.resolve("a/train.jsonl"), ROWS);
        Path there = write(folder.resolve("b/other-name.jsonl"), ROWS);

        assertThat(fingerprint(task(here, "label", List.of("neg", "pos"))))
                .isEqualTo(fingerprint(task(there, "label", List.of("neg", "pos"))))
                .hasSize(16);
    }

    @Test
    void contentLabelFieldAndLabelOrderEachChangeIt(@TempDir Path folder) throws IOException {
        Path train = write(folder.resolve("train.jsonl"), ROWS);
        Path edited = write(folder.resolve("edited.jsonl"), ROWS.replace("dull", "dreary"));
        String base = fingerprint(task(train, "label", List.of("neg", "pos")));

        assertThat(fingerprint(task(edited, "label", List.of("neg", "pos")))).isNotEqualTo(base);
        assertThat(fingerprint(task(train, "stars", List.of("neg", "pos")))).isNotEqualTo(base);
        assertThat(fingerprint(task(train, "label", List.of("pos", "neg")))).isNotEqualTo(base);
    }

    @Test
    void locatesTheSplitsItNames(@TempDir Path folder) throws IOException {
        Path train = write(folder.resolve("train.jsonl"), ROWS);
        Task task = task(train, "label", List.of("neg", "pos"));

        assertThat(DataFingerprint.of(task, List.of("train"), DataLocator.builder().build()))
                .isEqualTo(fingerprint(task));
    }
}
