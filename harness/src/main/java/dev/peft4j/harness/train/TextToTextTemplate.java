package dev.peft4j.harness.train;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.backbones.Verbalizer;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TaskKind;
import dev.peft4j.harness.task.TextInput;
import java.util.List;
import java.util.Map;

/**
 * A text-to-text head's input format and label texts for one task (a T5 backbone): the template
 * turns an example's texts into the encoder input, with placeholders {@code {text_a}} and
 * {@code {text_b}} (the task's first and second text); the frozen decoder scores one label text
 * per label, in the task's label order.
 *
 * <p>Built-in choices follow the T5 paper's text-to-text formats (Raffel et al. 2020, appendix D):
 * a task prefix, then each field named, and the label names as targets: RTE
 * {@code rte sentence1: ... sentence2: ...} with {@code entailment}/{@code not_entailment}; CB
 * {@code cb hypothesis: ... premise: ...} with {@code entailment}/{@code contradiction}/{@code neutral};
 * BoolQ {@code boolq question: ... passage: ...} (passage last, so that truncation cuts the passage)
 * with {@code False}/{@code True}; WiC {@code wic word: <word>: sentence1 sentence2: ...} with
 * {@code False}/{@code True}; MultiRC {@code multirc question: <question answer> paragraph: ...} with
 * {@code False}/{@code True}.
 *
 * @param template   the template, e.g. {@code rte sentence1: {text_a} sentence2: {text_b}}
 * @param labelTexts one label text per label, in the task's label order
 */
public record TextToTextTemplate(String template, List<String> labelTexts) {

    private static final Map<String, VerbalizerTemplate.BuiltIn> BUILT_IN = Map.of(
            "rte", new VerbalizerTemplate.BuiltIn("rte sentence1: {text_a} sentence2: {text_b}",
                    "entailment=entailment,not_entailment=not_entailment"),
            "cb", new VerbalizerTemplate.BuiltIn("cb hypothesis: {text_b} premise: {text_a}",
                    "entailment=entailment,contradiction=contradiction,neutral=neutral"),
            "boolq", new VerbalizerTemplate.BuiltIn("boolq question: {text_a} passage: {text_b}",
                    "false=False,true=True"),
            "wic", new VerbalizerTemplate.BuiltIn("wic word: {text_a} sentence2: {text_b}",
                    "false=False,true=True"),
            "multirc", new VerbalizerTemplate.BuiltIn("multirc question: {text_a} paragraph: {text_b}",
                    "false=False,true=True"));

    /** Copies the label texts. */
    public TextToTextTemplate {
        labelTexts = List.copyOf(labelTexts);
    }

    /** The built-in templates and label texts by task id, sorted. */
    public static Map<String, VerbalizerTemplate.BuiltIn> builtIns() {
        return new java.util.TreeMap<>(BUILT_IN);
    }

    /**
     * The template and label texts of {@code config} for {@code task}: the given ones
     * ({@code template}, {@code label-words} read as {@code label=text,...}), else the task's
     * built-in ones; for a task without built-in ones, the default is {@code {text_a}} (pairs:
     * {@code {text_a} {text_b}}) and the label names themselves.
     *
     * @throws InvalidOptionException when the task is not a classification of one or two texts,
     *                                the template's placeholders do not fit the task, or the label
     *                                texts do not name each label once
     */
    public static TextToTextTemplate resolve(Task task, TrainingConfig config) {
        TaskKind kind = task.getKind();
        // MultiRC's answer options are pairs (question and answer, paragraph) judged false or true one by one
        boolean pair = kind == TaskKind.TEXT_PAIR_CLASSIFICATION || kind == TaskKind.GROUPED_BINARY;
        if (kind != TaskKind.SINGLE_TEXT_CLASSIFICATION && !pair) {
            throw new InvalidOptionException("Task '" + task.getId() + "' is " + kind + "; the text-to-text head "
                    + "classifies one or two texts into labels (multiple-choice and candidate-scoring tasks are not "
                    + "supported with T5 yet).");
        }
        VerbalizerTemplate.BuiltIn builtIn = BUILT_IN.get(task.getId());
        String fallbackTemplate = pair ? "{text_a} {text_b}" : "{text_a}";
        String template = !config.template().isBlank() ? config.template()
                : builtIn != null ? builtIn.template() : fallbackTemplate;
        List<String> texts = !config.labelWords().isBlank()
                ? VerbalizerTemplate.parseLabelWords(config.labelWords(), task)
                : builtIn != null ? VerbalizerTemplate.parseLabelWords(builtIn.labelWords(), task) : task.getLabels();
        // {text_a} and {text_b} only: an export's Predictor fills no named fields
        VerbalizerTemplate.checkPlaceholders(template, task, pair, Map.of(), "text-to-text template");
        return new TextToTextTemplate(template, texts);
    }

    /** The template filled with {@code input}'s texts. */
    public String fill(TextInput input) {
        return Verbalizer.fill(template, input.text(), input.textPair());
    }
}
