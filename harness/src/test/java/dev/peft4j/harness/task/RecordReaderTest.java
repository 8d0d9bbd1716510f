package dev.peft4j.harness.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void malformedJsonLineNamesFileAndLine() throws IOException {
        Path file = write("val.jsonl", "{\"premise\": \"a\", \"hypothesis\": \"b\", \"label\": \"neutral\"}\n\n{\"premise\": oops}\n");
        assertThatThrownBy(() -> SuperGlueTasks.cb().load("val", file))
                .isInstanceOf(DataFormatException.class)
                .hasMessageStartingWith(file + ":3: malformed JSON");
    }

    @Test
    void unknownLabelNamesTheLabelSet() throws IOException {
        Path file = write("val.jsonl", "{\"premise\": \"a\", \"hypothesis\": \"b\", \"label\": \"maybe\", \"idx\": 0}\n");
        assertThatThrownBy(() -> SuperGlueTasks.cb().load("val", file))
                .isInstanceOf(DataFormatException.class)
                .hasMessage(file + ":1: unknown label 'maybe' for task 'cb'; its labels are "
                        + "[entailment, contradiction, neutral].");
    }

    @Test
    void missingFieldNamesTheField() throws IOException {
        Path file = write("val.jsonl", "{\"premise\": \"a\", \"label\": \"neutral\"}\n");
        assertThatThrownBy(() -> SuperGlueTasks.rte().load("val", file))
                .hasMessageContaining(file + ":1: missing field 'hypothesis'");
    }

    @Test
    void emptySplitSaysSo() throws IOException {
        Path file = write("val.jsonl", "\n\n");
        assertThatThrownBy(() -> SuperGlueTasks.rte().load("val", file))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining("Split 'val' of task 'rte' is empty")
                .hasMessageContaining(file.toString());
    }

    @Test
    void csvHandlesQuotesCommasAndLineBreaks() throws IOException {
        Path file = write("data.csv", "text,label\n\"good, really\",pos\n\"two\nlines \"\"quoted\"\"\",neg\nplain,pos\n");
        List<SourceRecord> records = RecordReader.read(file);
        assertThat(records).extracting(r -> r.getString("text"))
                .containsExactly("good, really", "two\nlines \"quoted\"", "plain");
        assertThat(records).extracting(SourceRecord::getLine).containsExactly(2, 3, 5);
    }

    @Test
    void csvRowWithWrongFieldCountNamesLine() throws IOException {
        Path file = write("data.csv", "text,label\na,pos\nb,neg,extra\n");
        assertThatThrownBy(() -> RecordReader.read(file))
                .hasMessageStartingWith(file + ":3: 3 fields but the header [text, label] has 2");
    }

    @Test
    void unknownExtensionFails() throws IOException {
        Path file = write("data.txt", "x");
        assertThatThrownBy(() -> RecordReader.read(file)).hasMessageContaining("unknown format");
    }

    @Test
    void genericTaskInfersSortedLabelsFromTrain() throws IOException {
        Path train = write("train.csv", "id,review,stars\n1,great,pos\n2,awful,neg\n3,fine,pos\n");
        Path val = write("val.jsonl", "{\"id\": \"v1\", \"review\": \"meh\", \"stars\": \"neg\"}\n");
        Task task = GenericClassificationTask.builder()
                .setId("reviews")
                .setTextFields(List.of("review"))
                .setLabelField("stars")
                .optIdField("id")
                .addSplit("train", train)
                .addSplit("val", val)
                .build();
        assertThat(task.getLabels()).containsExactly("neg", "pos");
        assertThat(task.getKind()).isEqualTo(TaskKind.SINGLE_TEXT_CLASSIFICATION);
        assertThat(task.load("train", train)).containsExactly(
                Example.classification("1", TextInput.single("great"), 1),
                Example.classification("2", TextInput.single("awful"), 0),
                Example.classification("3", TextInput.single("fine"), 1));
        assertThat(task.load("val", val)).containsExactly(Example.classification("v1", TextInput.single("meh"), 0));
    }

    @Test
    void genericPairTaskWithExplicitLabelsRejectsOthers() throws IOException {
        Path train = write("train.jsonl", "{\"a\": \"x\", \"b\": \"y\", \"gold\": 2}\n");
        Task task = GenericClassificationTask.builder()
                .setId("pairs")
                .setTextFields(List.of("a", "b"))
                .setLabelField("gold")
                .optLabels(List.of("0", "1"))
                .addSplit("train", train)
                .build();
        assertThat(task.getKind()).isEqualTo(TaskKind.TEXT_PAIR_CLASSIFICATION);
        assertThatThrownBy(() -> task.load("train", train))
                .hasMessage(train + ":1: unknown label '2' for task 'pairs'; its labels are [0, 1].");
    }
}
