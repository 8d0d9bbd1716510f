package dev.peft4j.harness.train;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.backbones.Verbalizer;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TaskKind;
import dev.peft4j.harness.task.TextInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A verbalizer head's cloze template and label words for one task. The template is one text
 * with placeholders {@code {text_a}} and {@code {text_b}} (the task's first and second text) and
 * exactly one {@code [MASK]}; the label words give one word per label, in the task's label order.
 *
 * <p>Built-in choices follow PET (Schick and Schütze 2021, "Exploiting Cloze Questions for Few
 * Shot Text Classification and Natural Language Inference"): for RTE and CB its pattern
 * {@code "h"? | _, "p"} with verbalizer yes/no (CB: yes/no/maybe); for BoolQ a variant of its
 * pattern {@code p. Question: q? Answer: _.} with the passage moved last, so that truncation cuts
 * the passage and never the mask, and no/yes.
 *
 * @param template   the template, e.g. {@code {text_b} ? [MASK] , {text_a}}
 * @param labelWords one word per label, in the task's label order
 */
public record VerbalizerTemplate(String template, List<String> labelWords) {

    /** The mask token as written in templates. */
    public static final String MASK = Verbalizer.MASK;

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");

    /**
     * A task's built-in choice.
     *
     * @param template   the template
     * @param labelWords the label words, {@code label=word,...}
     */
    public record BuiltIn(String template, String labelWords) {}

    private static final Map<String, BuiltIn> BUILT_IN = Map.of(
            "rte", new BuiltIn("{text_b} ? [MASK] , {text_a}", "entailment=yes,not_entailment=no"),
            "cb", new BuiltIn("{text_b} ? [MASK] , {text_a}", "entailment=yes,contradiction=no,neutral=maybe"),
            "boolq", new BuiltIn("{text_a} ? [MASK] . {text_b}", "false=no,true=yes"));

    /** Copies the label words. */
    public VerbalizerTemplate {
        labelWords = List.copyOf(labelWords);
    }

    /** The built-in templates and label words by task id, sorted. */
    public static Map<String, BuiltIn> builtIns() {
        return new java.util.TreeMap<>(BUILT_IN);
    }

    /** The tasks with a built-in template and label words. */
    public static List<String> builtInTasks() {
        return BUILT_IN.keySet().stream().sorted().toList();
    }

    /**
     * The template and label words of {@code config} for {@code task}: the given ones, else the
     * task's built-in ones.
     *
     * @throws InvalidOptionException when the task is not a classification of one or two texts,
     *                                has no built-in choice and none is given, the template has
     *                                not exactly one {@code [MASK]} or uses unknown or missing
     *                                placeholders, or the label words do not name each label once
     */
    public static VerbalizerTemplate resolve(Task task, TrainingConfig config) {
        TaskKind kind = task.getKind();
        if (kind != TaskKind.SINGLE_TEXT_CLASSIFICATION && kind != TaskKind.TEXT_PAIR_CLASSIFICATION) {
            throw new InvalidOptionException("Task '" + task.getId() + "' is " + kind + "; the verbalizer head "
                    + "classifies one or two texts into labels. Use --head linear for it.");
        }
        BuiltIn builtIn = BUILT_IN.get(task.getId());
        String template = config.template().isBlank() ? builtIn == null ? null : builtIn.template() : config.template();
        String words = config.labelWords().isBlank() ? builtIn == null ? null : builtIn.labelWords()
                : config.labelWords();
        if (template == null || words == null) {
            throw new InvalidOptionException("Task '" + task.getId() + "' has no built-in verbalizer "
                    + (template == null ? "template" : "label words") + " (built in for " + builtInTasks()
                    + "). Give " + (template == null ? "--template, e.g. \"{text_a} ? [MASK] , {text_b}\""
                    : "--label-words, e.g. " + example(task)) + ".");
        }
        checkTemplate(template, kind == TaskKind.TEXT_PAIR_CLASSIFICATION, task.getId());
        return new VerbalizerTemplate(template, parseLabelWords(words, task));
    }

    private static String example(Task task) {
        return String.join(",", task.getLabels().stream().map(l -> l + "=word").toList());
    }

    private static void checkTemplate(String template, boolean pair, String taskId) {
        int masks = template.split(Pattern.quote(MASK), -1).length - 1;
        if (masks != 1) {
            throw new InvalidOptionException("The verbalizer template '" + template + "' holds " + masks + " "
                    + MASK + "; it needs exactly one, where the label word goes.");
        }
        checkPlaceholders(template, pair, taskId, "verbalizer template");
    }

    /**
     * Checks that {@code template} uses {@code {text_a}} (and {@code {text_b}} for pairs) once each
     * and no other placeholder; {@code what} names the template in messages.
     */
    static void checkPlaceholders(String template, boolean pair, String taskId, String what) {
        List<String> found = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            String name = matcher.group(1);
            if (!name.equals("text_a") && !name.equals("text_b")) {
                throw new InvalidOptionException("The " + what + " '" + template + "' has the unknown "
                        + "placeholder {" + name + "}; use {text_a} and {text_b} (the task's first and second text).");
            }
            if (found.contains(name)) {
                throw new InvalidOptionException("The " + what + " '" + template + "' uses {" + name
                        + "} twice; use each text once.");
            }
            found.add(name);
        }
        List<String> needed = pair ? List.of("text_a", "text_b") : List.of("text_a");
        if (!found.containsAll(needed) || !needed.containsAll(found)) {
            throw new InvalidOptionException("The " + what + " '" + template + "' must use "
                    + needed.stream().map(n -> "{" + n + "}").toList() + " for task '" + taskId + "' ("
                    + (pair ? "two texts" : "one text") + "), found " + found.stream().map(n -> "{" + n + "}").toList()
                    + ".");
        }
    }

    /** Reads {@code label=word,...} into words in {@code task}'s label order. */
    static List<String> parseLabelWords(String spec, Task task) {
        Map<String, String> byLabel = new LinkedHashMap<>();
        for (String part : spec.split(",", -1)) {
            int eq = part.indexOf('=');
            String label = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            String word = eq < 0 ? "" : part.substring(eq + 1).strip();
            if (eq < 0 || label.isEmpty() || word.isEmpty()) {
                throw new InvalidOptionException("Label words '" + spec + "' must read label=word,..., e.g. "
                        + example(task) + "; '" + part.strip() + "' does not.");
            }
            if (!task.getLabels().contains(label)) {
                throw new InvalidOptionException("Label words '" + spec + "' name '" + label + "', which is not a "
                        + "label of task '" + task.getId() + "' (its labels: " + task.getLabels() + ").");
            }
            if (byLabel.put(label, word) != null) {
                throw new InvalidOptionException("Label words '" + spec + "' give label '" + label + "' twice.");
            }
        }
        List<String> missing = task.getLabels().stream().filter(l -> !byLabel.containsKey(l)).toList();
        if (!missing.isEmpty()) {
            throw new InvalidOptionException("Label words '" + spec + "' lack " + missing + "; give a word for each "
                    + "label of task '" + task.getId() + "': " + example(task) + ".");
        }
        return task.getLabels().stream().map(byLabel::get).toList();
    }

    /** The template filled with {@code input}'s texts. */
    public String fill(TextInput input) {
        return Verbalizer.fill(template, input.text(), input.textPair());
    }
}
