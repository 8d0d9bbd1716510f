package dev.peft4j.harness.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The task readers on the real SuperGLUE files (tagged real-data) and on single synthetic records,
 * and the task catalogue.
 */
class SuperGlueTasksTest {

    /** The inputs' texts without their named fields. */
    static List<TextInput> texts(List<TextInput> inputs) {
        return inputs.stream().map(i -> new TextInput(i.text(), i.textPair())).toList();
    }

    private static List<Example> load(String taskId, String split) {
        Task task = SuperGlueTasks.byId(taskId);
        SplitSource source = task.getSplit(split);
        Path file = TestData.dir().resolve(source.collection()).resolve(task.getDirectoryName())
                .resolve(source.fileName());
        return task.load(split, file);
    }

    @Tag("real-data")
    @ParameterizedTest
    @CsvSource({
        "cb, train, 250", "cb, val, 56",
        "rte, train, 2490", "rte, val, 277",
        "wsc, train, 554", "wsc, val, 104",
        "copa, train, 368", "copa, val, 100",
        "boolq, val, 3270", "wic, val, 638"
    })
    void realSplitsHaveTheOfficialCounts(String task, String split, int count) {
        List<Example> examples = load(task, split);
        assertThat(examples).hasSize(count);
        assertThat(examples).allMatch(Example::isLabelled);
        assertThat(examples.stream().map(Example::id).distinct().count()).isEqualTo(count);
    }

    @Tag("real-data")
    @ParameterizedTest
    @ValueSource(strings = {"boolq", "cb", "copa", "multirc", "record", "rte", "wic", "wsc"})
    void fewGlueTrainHas32Records(String task) {
        Task t = SuperGlueTasks.byId(task);
        SplitSource source = t.getSplit("fewglue-train");
        Path file = TestData.dir().resolve(source.collection()).resolve(t.getDirectoryName()).resolve(source.fileName());
        assertThat(RecordReader.read(file)).hasSize(32);
        List<Example> examples = t.load("fewglue-train", file);
        assertThat(examples).isNotEmpty();
        if (t.getKind() != TaskKind.GROUPED_BINARY) {
            assertThat(examples).hasSize(32);
        }
    }

    @Tag("real-data")
    @Test
    void multircValHas83ParagraphsGroupedPerQuestion() {
        Task task = SuperGlueTasks.multirc();
        Path file = TestData.dir().resolve("superglue/MultiRC/val.jsonl");
        assertThat(RecordReader.read(file)).hasSize(83);
        List<Example> examples = task.load("val", file);
        // 953 questions with 4848 answer options in the official val split.
        assertThat(examples).hasSize(4848);
        assertThat(examples.stream().map(Example::groupId).distinct().count()).isEqualTo(953);
        Example first = examples.get(0);
        assertThat(first.groupId()).isEqualTo("0-0");
        assertThat(first.inputs().get(0).text())
                .isEqualTo("Would the mass of a baseball affect how much force you have to use to pick it up? No");
        assertThat(first.inputs().get(0).textPair()).startsWith("What causes a change in motion?");
        assertThat(first.label()).isZero();
        assertThat(examples.get(1).label()).isOne();
    }

    @Tag("real-data")
    @Test
    void cbRendersPremiseAndHypothesisAsAPair() {
        Example first = load("cb", "val").get(0);
        assertThat(first.inputs()).hasSize(1);
        assertThat(first.inputs().get(0).text()).startsWith("Valence the void-brain");
        assertThat(first.inputs().get(0).textPair()).isEqualTo("Valence was helping");
        assertThat(first.label()).isEqualTo(1); // contradiction
        assertThat(load("cb", "val").stream().collect(Collectors.groupingBy(Example::label, Collectors.counting())))
                .containsOnlyKeys(0, 1, 2);
    }

    @Tag("real-data")
    @Test
    void copaScoresEachChoiceAsAPair() {
        Example first = load("copa", "val").get(0);
        assertThat(texts(first.inputs())).containsExactly(
                TextInput.pair("The man turned on the faucet.", "What happened as a result? The toilet filled with water."),
                TextInput.pair("The man turned on the faucet.", "What happened as a result? Water flowed from the spout."));
        assertThat(first.label()).isEqualTo(1);
        assertThat(first.candidates()).containsExactly("The toilet filled with water.", "Water flowed from the spout.");
    }

    @Tag("real-data")
    @Test
    void wscMarksBothSpansInTheText() {
        Example first = load("wsc", "train").get(0);
        assertThat(texts(first.inputs()).get(0)).isEqualTo(TextInput.single(
                "*Mark* told Pete many lies about himself, which Pete included in his book. #He# should have been more skeptical."));
        assertThat(first.label()).isZero();
    }

    @Tag("real-data")
    @Test
    void wicPrefixesTheWord() {
        Example first = load("wic", "val").get(0);
        assertThat(texts(first.inputs()).get(0)).isEqualTo(TextInput.pair("class: An emerging professional class.",
                "Apologizing for losing your temper, even though you were badly provoked, showed real class."));
    }

    @Tag("real-data")
    @Test
    void boolqPutsTheQuestionFirst() {
        Example first = load("boolq", "val").get(0);
        assertThat(first.inputs().get(0).text()).isEqualTo("does ethanol take more energy make that produces");
        assertThat(first.inputs().get(0).textPair()).startsWith("Ethanol fuel --");
    }

    @Tag("real-data")
    @Test
    void recordScoresDistinctEntitiesAgainstGoldAnswers() {
        Task task = SuperGlueTasks.record();
        List<Example> examples = task.load("fewglue-train", TestData.dir().resolve("fewglue/ReCoRD/train.jsonl"));
        Example first = examples.get(0);
        assertThat(first.candidates()).contains("Hamish Mackay", "Olimpija Ljubljana").doesNotHaveDuplicates();
        assertThat(first.inputs()).hasSameSizeAs(first.candidates());
        assertThat(first.goldAnswers()).containsExactly("Olimpija Ljubljana", "Olimpija Ljubljana");
        assertThat(first.candidates().get(first.label())).isEqualTo("Olimpija Ljubljana");
        assertThat(first.inputs().get(first.label()).text()).contains("that Olimpija Ljubljana made it difficult");
        assertThat(first.inputs().get(0).textPair()).doesNotContain("@highlight");
    }

    @Test
    void wscWicAndBoolqRecordsRenderAsTheirTasksExpect(@TempDir Path dir) throws IOException {
        Path wsc = Files.writeString(dir.resolve("wsc.jsonl"), "{\"text\": \"Anna told Ben that she was late .\", "
                + "\"target\": {\"span1_index\": 0, \"span1_text\": \"Anna\", \"span2_index\": 4, "
                + "\"span2_text\": \"she\"}, \"label\": true, \"idx\": 0}\n");
        Path wic = Files.writeString(dir.resolve("wic.jsonl"), "{\"word\": \"key\", "
                + "\"sentence1\": \"Grace lost a key.\", \"sentence2\": \"The key to the story was a letter.\", "
                + "\"label\": false, \"idx\": 0}\n");
        Path boolq = Files.writeString(dir.resolve("boolq.jsonl"), "{\"question\": \"is the lamp new\", "
                + "\"passage\": \"Lamp -- Felix bought a new lamp.\", \"label\": true, \"idx\": 0}\n");

        Example marked = SuperGlueTasks.wsc().load("val", wsc).get(0);
        assertThat(texts(marked.inputs())).containsExactly(TextInput.single("*Anna* told Ben that #she# was late ."));
        assertThat(marked.inputs().get(0).fields()).isEqualTo(Map.of("text", "Anna told Ben that she was late .",
                "span1_text", "Anna", "span2_text", "she"));
        assertThat(marked.label()).isOne();
        Example prefixed = SuperGlueTasks.wic().load("val", wic).get(0);
        assertThat(prefixed.inputs().get(0).fields()).isEqualTo(Map.of("word", "key", "sentence1", "Grace lost a key.",
                "sentence2", "The key to the story was a letter."));
        assertThat(texts(prefixed.inputs())).containsExactly(
                TextInput.pair("key: Grace lost a key.", "The key to the story was a letter."));
        assertThat(prefixed.label()).isZero();
        Example questionFirst = SuperGlueTasks.boolq().load("val", boolq).get(0);
        assertThat(texts(questionFirst.inputs()))
                .containsExactly(TextInput.pair("is the lamp new", "Lamp -- Felix bought a new lamp."));
        assertThat(questionFirst.label()).isOne();
    }

    @Test
    void unknownTaskSuggestsTheClosest() {
        assertThatThrownBy(() -> SuperGlueTasks.byId("boolk"))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("Unknown task 'boolk'. Did you mean 'boolq'?")
                .hasMessageContaining("Available: boolq, cb, copa");
    }

    @Test
    void unknownSplitNamesTheSplits() {
        assertThatThrownBy(() -> SuperGlueTasks.cb().getSplit("dev"))
                .hasMessageContaining("no split 'dev'")
                .hasMessageContaining("fewglue-dev32, fewglue-train, test, train, val");
    }
}
