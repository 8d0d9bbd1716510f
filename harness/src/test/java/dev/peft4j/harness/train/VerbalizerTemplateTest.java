package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TextInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Built-in templates, named fields and template checks, without a model. */
class VerbalizerTemplateTest {

    /** One record of each task the synthetic data folder lacks. */
    private static final Map<String, String> RECORDS = Map.of(
            "wsc", "{\"text\": \"Anna told Ben that she was late.\", \"target\": {\"span1_index\": 0, "
                    + "\"span1_text\": \"Anna\", \"span2_index\": 4, \"span2_text\": \"she\"}, \"label\": true, \"idx\": 0}",
            "wic", "{\"word\": \"key\", \"sentence1\": \"Grace lost a key.\", \"sentence2\": \"The key to the story was "
                    + "a letter.\", \"label\": false, \"idx\": 0}",
            "boolq", "{\"question\": \"is the lamp new\", \"passage\": \"Lamp -- Felix bought a new lamp.\", "
                    + "\"label\": true, \"idx\": 0}");

    private static TrainingConfig verbalizer(String template, String words) {
        return TrainingConfig.fromMap(Map.of("head", "verbalizer", "template", template, "label-words", words));
    }

    private static List<Example> examples(String taskId, Path dir) throws IOException {
        Task task = SuperGlueTasks.byId(taskId);
        String record = RECORDS.get(taskId);
        if (record != null) {
            return task.load("val", Files.writeString(dir.resolve(taskId + ".jsonl"), record + "\n"));
        }
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        return task.load("val", data.locate(task, "val"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boolq", "cb", "copa", "multirc", "rte", "wic", "wsc"})
    void everyBuiltInFillsEveryInputOfItsTaskWithOneMaskAndNoPlaceholderLeft(String taskId, @TempDir Path dir)
            throws IOException {
        Task task = SuperGlueTasks.byId(taskId);
        VerbalizerTemplate template = VerbalizerTemplate.resolve(task,
                TrainingConfig.fromMap(Map.of("head", "verbalizer")));
        for (Example example : examples(taskId, dir)) {
            for (TextInput input : example.inputs()) {
                assertThat(input.fields()).as("the fields the task declares").containsOnlyKeys(
                        task.getTemplateFields().keySet().toArray(String[]::new));
                String filled = template.fill(input);
                assertThat(filled.split("\\[MASK]", -1)).as(filled).hasSize(2);
                assertThat(filled).as(filled).doesNotContainPattern("\\{[a-z0-9_:-]+}");
            }
        }
        assertThat(template.labelWords()).containsAnyOf("yes", "no");
    }

    @Test
    void namedFieldsReadAsPetJoinsThem(@TempDir Path dir) throws IOException {
        TrainingConfig builtIn = TrainingConfig.fromMap(Map.of("head", "verbalizer"));
        Example copa = examples("copa", dir).get(0);
        VerbalizerTemplate copaTemplate = VerbalizerTemplate.resolve(SuperGlueTasks.copa(), builtIn);
        assertThat(copaTemplate.fill(copa.inputs().get(0)))
                .isEqualTo("Clara went to the library , because clara wanted a book ? [MASK] .");
        assertThat(copaTemplate.labelWords()).containsExactly("yes", "no");
        assertThat(copaTemplate.scoresChoices()).isTrue();
        Example wic = examples("wic", dir).get(0);
        assertThat(VerbalizerTemplate.resolve(SuperGlueTasks.wic(), builtIn).fill(wic.inputs().get(0))).isEqualTo(
                "\" Grace lost a key. \" / \" The key to the story was a letter. \" similar sense of \" key \" ? [MASK] .");
        Example wsc = examples("wsc", dir).get(0);
        assertThat(VerbalizerTemplate.resolve(SuperGlueTasks.wsc(), builtIn).fill(wsc.inputs().get(0))).isEqualTo(
                "Anna told Ben that she was late. the pronoun \" she \" refers to \" Anna \" ? [MASK] .");
        // a value holding a placeholder is not filled again
        VerbalizerTemplate plain = new VerbalizerTemplate("{premise} ? [MASK] {text_b}", List.of("a", "b"));
        assertThat(plain.fill(TextInput.pair("p", "h {premise}").withFields(Map.of("premise", "x {text_b}"))))
                .isEqualTo("x {text_b} ? [MASK] h {premise}");
    }

    @Test
    void rteAndCbAskTheHypothesisWithoutItsFinalPunctuationAsPetDoes() {
        TrainingConfig builtIn = TrainingConfig.fromMap(Map.of("head", "verbalizer"));
        TextInput pair = TextInput.pair("A bomb exploded in Baghdad.", "A bomb was found in Iraq.");
        for (Task task : List.of(SuperGlueTasks.rte(), SuperGlueTasks.cb())) {
            assertThat(VerbalizerTemplate.resolve(task, builtIn).fill(pair)).as(task.getId())
                    .isEqualTo("A bomb was found in Iraq ? [MASK] , A bomb exploded in Baghdad.");
        }
    }

    @Test
    void aTemplateUsesEachTextWholeOrThroughAllOfItsFields() {
        Task wic = SuperGlueTasks.wic();
        VerbalizerTemplate.resolve(wic, verbalizer("{word} {sentence1} {sentence2} ? [MASK]", "false=no,true=yes"));
        VerbalizerTemplate.resolve(wic, verbalizer("{text_a} {sentence2} ? [MASK]", "false=no,true=yes"));
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(wic, verbalizer("{sentence1} {sentence2} ? [MASK]",
                "false=no,true=yes"))).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("leaves out {text_a} (or its parts [{word}, {sentence1}])");
        Task cb = SuperGlueTasks.cb();
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{premise} ? [MASK]",
                "entailment=yes,contradiction=no,neutral=maybe"))).hasMessageContaining("leaves out {text_b}");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{passage} {text_b} ? [MASK] {text_a}",
                "entailment=yes,contradiction=no,neutral=maybe"))).hasMessageContaining("unknown placeholder {passage}")
                .hasMessageContaining("[{text_a}, {text_b}, {premise}, {hypothesis}]");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{premise} {text_b} ? [MASK] {premise}",
                "entailment=yes,contradiction=no,neutral=maybe"))).hasMessageContaining("uses {premise} twice");
        // a modifier reads the same text: it counts as using it, and twice is twice
        VerbalizerTemplate.resolve(cb, verbalizer("{hypothesis:no-final-punctuation} ? [MASK] {text_a}",
                "entailment=yes,contradiction=no,neutral=maybe"));
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{text_b} {text_b:no-final-punctuation} "
                + "? [MASK] {text_a}", "entailment=yes,contradiction=no,neutral=maybe")))
                .hasMessageContaining("uses {text_b} twice");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{text_b:upper} ? [MASK] {text_a}",
                "entailment=yes,contradiction=no,neutral=maybe"))).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("unknown modifier 'upper' in {text_b:upper}")
                .hasMessageContaining("{text_b:no-final-punctuation}");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(cb, verbalizer("{passage:upper} {text_b} ? [MASK] {text_a}",
                "entailment=yes,contradiction=no,neutral=maybe"))).hasMessageContaining("unknown placeholder {passage}");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(SuperGlueTasks.record(), verbalizer("{text_a} [MASK]",
                "a=b"))).hasMessageContaining("--head linear");
    }

    @Test
    void aMultipleChoiceTasksLabelWordsNameTrueAndFalse() {
        Task copa = SuperGlueTasks.copa();
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(copa, verbalizer("{premise} {choice} ? [MASK]",
                "choice1=yes,choice2=no"))).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'choice1'").hasMessageContaining("true=yes,false=no");
        VerbalizerTemplate words = VerbalizerTemplate.resolve(copa, verbalizer("{premise} {choice} ? [MASK]",
                "false=wrong,true=right"));
        assertThat(words.labelWords()).as("true first").containsExactly("right", "wrong");
    }

    @Test
    void onlyTemplatesOfTextsForClassificationCanBeExported() {
        TrainingConfig builtIn = TrainingConfig.fromMap(Map.of("head", "verbalizer"));
        VerbalizerTemplate.resolve(SuperGlueTasks.cb(), builtIn).checkExportable();
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(SuperGlueTasks.wic(), builtIn).checkExportable())
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("named fields [{sentence1}, "
                        + "{sentence2}, {word}]");
        assertThatThrownBy(() -> VerbalizerTemplate.resolve(SuperGlueTasks.copa(), verbalizer("{text_a} {text_b} "
                + "[MASK]", "true=yes,false=no")).checkExportable()).hasMessageContaining("multiple-choice");
    }
}
