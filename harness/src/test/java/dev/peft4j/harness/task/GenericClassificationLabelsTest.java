package dev.peft4j.harness.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's labels: one JSON type per task, and no record without a label unless skipping is asked for. */
class GenericClassificationLabelsTest {

    private static Path jsonl(Path folder, String name, String... lines) throws IOException {
        return Files.writeString(folder.resolve(name), String.join("\n", lines) + "\n");
    }

    private static GenericClassificationTask.Builder builder(Path train) {
        return GenericClassificationTask.builder().setId("mine").setTextFields(List.of("text"))
                .setLabelField("label").addSplit("train", train);
    }

    @Test
    void labelsOfMixedJsonTypesAreRefusedNamingFileAndLine(@TempDir Path folder) throws IOException {
        Path train = jsonl(folder, "train.jsonl", "{\"text\": \"a\", \"label\": true}",
                "{\"text\": \"b\", \"label\": false}", "{\"text\": \"c\", \"label\": \"true\"}",
                "{\"text\": \"d\", \"label\": 1}");

        assertThatThrownBy(() -> builder(train).build()).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(train + ":3").hasMessageContaining("a string")
                .hasMessageContaining(train + ":1").hasMessageContaining("a boolean");
    }

    @Test
    void aValidationFileWhoseLabelsAreOfAnotherTypeIsRefusedToo(@TempDir Path folder) throws IOException {
        Path train = jsonl(folder, "train.jsonl", "{\"text\": \"a\", \"label\": 1}", "{\"text\": \"b\", \"label\": 0}");
        Path val = jsonl(folder, "val.jsonl", "{\"text\": \"a\", \"label\": 1}", "{\"text\": \"b\", \"label\": \"0\"}");
        Task task = builder(train).addSplit("val", val).build();

        assertThat(task.getLabels()).containsExactly("0", "1");
        assertThatThrownBy(() -> task.load("val", val)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(val + ":2").hasMessageContaining("a string").hasMessageContaining("a number");
    }

    @Test
    void numbersWrittenDifferentlyAreOneLabel(@TempDir Path folder) throws IOException {
        Path train = jsonl(folder, "train.jsonl", "{\"text\": \"a\", \"label\": 1}", "{\"text\": \"b\", \"label\": 1.0}",
                "{\"text\": \"c\", \"label\": 0}");

        Task task = builder(train).build();

        assertThat(task.getLabels()).containsExactly("0", "1");
        assertThat(task.load("train", train)).extracting(Example::label).containsExactly(1, 1, 0);
    }

    @Test
    void aTrainingRecordWithoutLabelIsRefusedNamingFileAndLine(@TempDir Path folder) throws IOException {
        Path train = jsonl(folder, "train.jsonl", "{\"text\": \"a\", \"label\": \"pos\"}",
                "{\"text\": \"b\", \"label\": \"neg\"}", "{\"text\": \"c\"}", "{\"text\": \"d\", \"label\": \"\"}");
        Task task = builder(train).build();

        assertThatThrownBy(() -> task.load("train", train)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(train + ":3").hasMessageContaining("no label")
                .hasMessageContaining("--skip-unlabelled");
    }

    @Test
    void skippingUnlabelledRecordsIsAnExplicitChoice(@TempDir Path folder) throws IOException {
        Path train = jsonl(folder, "train.jsonl", "{\"text\": \"a\", \"label\": \"pos\"}",
                "{\"text\": \"b\", \"label\": \"neg\"}", "{\"text\": \"c\"}", "{\"text\": \"d\", \"label\": null}");

        Task task = builder(train).optSkipUnlabelled(true).build();

        assertThat(task.load("train", train)).extracting(Example::id).containsExactly("line1", "line2");
    }
}
