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
import java.util.regex.Pattern;

/**
 * A verbalizer head's cloze template and label words for one task. The template is one text
 * with placeholders and exactly one {@code [MASK]}: {@code {text_a}} and {@code {text_b}} (the
 * task's first and second text, as the linear head reads them) and the task's named fields
 * ({@link Task#getTemplateFields()}, e.g. WiC's {@code {word}}); {@code {name:no-final-punctuation}}
 * fills a text or field without the punctuation at its end ({@link Verbalizer#fill(String, Map)}).
 * The label words give one word per label, in the task's label order.
 *
 * <p>A multiple-choice task (COPA) is scored choice by choice: the template is filled with each
 * choice, the label words name one word for {@code true} (this choice is right) and one for
 * {@code false}, and the choice's score is the MLM head's logit of the first minus that of the
 * second at the {@code [MASK]}, {@code log p(true word) - log p(false word)} (the vocabulary's
 * normalizer cancels); a softmax over the choices' scores picks one.
 *
 * <p>Built-in choices follow PET's patterns (Schick and Schütze 2021, "Exploiting Cloze
 * Questions for Few Shot Text Classification and Natural Language Inference" and "It's Not Just
 * Size That Matters: Small Language Models Are Also Few-Shot Learners"; the {@code pvp.py} of
 * their code, {@code timoschick/pet}):
 * <ul>
 *   <li>RTE and CB: {@code "h"? | _, "p"} with yes/no (CB: yes/no/maybe), the hypothesis without
 *       its final punctuation as PET writes it; PET's two segments are one here;
 *   <li>BoolQ: {@code p. Question: q? Answer: _.} with no/yes, the passage moved last so that
 *       truncation cuts the passage and never the mask;
 *   <li>WiC: {@code "s1" / "s2" Similar sense of "w"? _.} with no/yes (WicPVP pattern 0);
 *   <li>MultiRC: {@code p. Question: q? Is it a? _.} with no/yes (MultiRcPVP pattern 0), the
 *       passage moved last as for BoolQ;
 *   <li>COPA: PET fills {@code "c1" or "c2"? p, because/so ___.} with each choice's several word
 *       pieces, which one single-piece mask cannot; here each choice is joined to the premise as
 *       PET joins them, {@code p, because/so c? _.}, and judged yes/no (see above);
 *   <li>WSC: PET generates the noun phrase after {@code t The pronoun '*p*' refers to ___.};
 *       SuperGLUE's WSC labels (pronoun, noun phrase) pairs, so here the phrase is named and
 *       judged yes/no: {@code t The pronoun "p" refers to "n"? _.}.
 * </ul>
 *
 * @param template   the template, e.g. {@code {text_b} ? [MASK] , {text_a}}
 * @param labelWords    one word per label, in the task's label order ({@code true}, {@code false}
 *                      for a multiple-choice task)
 * @param scoresChoices whether the task is multiple choice, scored choice by choice
 */
public record VerbalizerTemplate(String template, List<String> labelWords, boolean scoresChoices) {

    /** The mask token as written in templates. */
    public static final String MASK = Verbalizer.MASK;

    /** The labels a multiple-choice task's label words name: the choice is right, or wrong. */
    public static final List<String> CHOICE_LABELS = List.of("true", "false");

    private static final String TEXT_A = "text_a";
    private static final String TEXT_B = "text_b";

    /**
     * A task's built-in choice.
     *
     * @param template   the template
     * @param labelWords the label words, {@code label=word,...}
     */
    public record BuiltIn(String template, String labelWords) {}

    /** PET's RTE pattern 1, also CB's: the hypothesis loses its final punctuation before the {@code ?}. */
    private static final String PET_NLI = "{text_b:" + Verbalizer.NO_FINAL_PUNCTUATION + "} ? [MASK] , {text_a}";

    private static final Map<String, BuiltIn> BUILT_IN = Map.of(
            "rte", new BuiltIn(PET_NLI, "entailment=yes,not_entailment=no"),
            "cb", new BuiltIn(PET_NLI, "entailment=yes,contradiction=no,neutral=maybe"),
            "boolq", new BuiltIn("{text_a} ? [MASK] . {text_b}", "false=no,true=yes"),
            "wic", new BuiltIn("\" {sentence1} \" / \" {sentence2} \" similar sense of \" {word} \" ? [MASK] .",
                    "false=no,true=yes"),
            "multirc", new BuiltIn("question : {question} is it {answer} ? [MASK] . {paragraph}", "false=no,true=yes"),
            "copa", new BuiltIn("{premise} , {connective} {choice} ? [MASK] .", "true=yes,false=no"),
            "wsc", new BuiltIn("{text} the pronoun \" {span2_text} \" refers to \" {span1_text} \" ? [MASK] .",
                    "false=no,true=yes"));

    /** Copies the label words. */
    public VerbalizerTemplate {
        labelWords = List.copyOf(labelWords);
    }

    /** A classification task's template and label words. */
    public VerbalizerTemplate(String template, List<String> labelWords) {
        this(template, labelWords, false);
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
     * @throws InvalidOptionException when the task scores candidates (ReCoRD), has no built-in
     *                                choice and none is given, the template has not exactly one
     *                                {@code [MASK]}, uses unknown placeholders, one twice, or
     *                                leaves out a text, or the label words do not name each label once
     */
    public static VerbalizerTemplate resolve(Task task, TrainingConfig config) {
        TaskKind kind = task.getKind();
        if (kind == TaskKind.CANDIDATE_SCORING) {
            throw new InvalidOptionException("Task '" + task.getId() + "' is " + kind + "; the verbalizer head "
                    + "scores label words of classification and multiple-choice tasks. Use --head linear for it.");
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
        checkTemplate(template, task);
        return new VerbalizerTemplate(template, parseLabelWords(words, task), kind == TaskKind.MULTIPLE_CHOICE);
    }

    /** The labels the label words of {@code task} name: its labels, or {@link #CHOICE_LABELS}. */
    static List<String> wordLabels(Task task) {
        return task.getKind() == TaskKind.MULTIPLE_CHOICE ? CHOICE_LABELS : task.getLabels();
    }

    /**
     * Whether the template uses a named field besides {@code {text_a}} and {@code {text_b}}: an
     * export's {@code Predictor} fills those two texts only.
     */
    public boolean usesNamedFields() {
        return placeholders(template).stream().anyMatch(name -> !name.equals(TEXT_A) && !name.equals(TEXT_B));
    }

    /**
     * Checks that a run with this template can be exported: an export's {@code Predictor}
     * classifies raw texts, so it can fill neither named fields nor score choices.
     *
     * @throws InvalidOptionException naming what cannot be exported and what to do
     */
    public void checkExportable() {
        if (scoresChoices || usesNamedFields()) {
            throw new InvalidOptionException("A verbalizer run with the template '" + template + "' cannot be "
                    + "exported: " + (scoresChoices ? "it scores the choices of a multiple-choice task"
                    : "it uses named fields " + braced(placeholders(template).stream()
                            .filter(n -> !n.equals(TEXT_A) && !n.equals(TEXT_B)).toList()))
                    + ", and an export's Predictor classifies raw texts through {text_a} and {text_b} only. Its "
                    + "result JSON holds its scores; to export, train a classification task with a --template that "
                    + "uses only {text_a} and {text_b}.");
        }
    }

    private static String example(Task task) {
        return String.join(",", wordLabels(task).stream().map(l -> l + "=word").toList());
    }

    /** The names of the template's placeholders, without their modifiers, in order. */
    private static List<String> placeholders(String template) {
        return Verbalizer.placeholders(template).stream().map(Verbalizer.Placeholder::name).toList();
    }

    private static void checkTemplate(String template, Task task) {
        int masks = template.split(Pattern.quote(MASK), -1).length - 1;
        if (masks != 1) {
            throw new InvalidOptionException("The verbalizer template '" + template + "' holds " + masks + " "
                    + MASK + "; it needs exactly one, where the label word goes.");
        }
        boolean pair = task.getKind() != TaskKind.SINGLE_TEXT_CLASSIFICATION;
        checkPlaceholders(template, task, pair, task.getTemplateFields(), "verbalizer template");
    }

    /**
     * Checks that {@code template} uses only {@code {text_a}} ({@code {text_b}} for pairs) and the
     * named {@code fields}, each once, and every text, whole or through all of its named fields;
     * {@code what} names the template in messages.
     */
    static void checkPlaceholders(String template, Task task, boolean pair, Map<String, String> fields,
            String what) {
        List<String> known = new ArrayList<>(pair ? List.of(TEXT_A, TEXT_B) : List.of(TEXT_A));
        known.addAll(fields.keySet());
        List<String> found = new ArrayList<>();
        for (Verbalizer.Placeholder placeholder : Verbalizer.placeholders(template)) {
            String name = placeholder.name();
            if (!known.contains(name)) {
                throw new InvalidOptionException("The " + what + " '" + template + "' has the unknown "
                        + "placeholder {" + name + "}; task '" + task.getId() + "' knows " + braced(known)
                        + " ({text_a}" + (pair ? " and {text_b} are its first and second text" : " is its text")
                        + (fields.isEmpty() ? "" : ", the others its named fields") + ").");
            }
            if (!placeholder.hasKnownModifier()) {
                throw new InvalidOptionException(placeholder.unknownModifierProblem(template));
            }
            if (found.contains(name)) {
                throw new InvalidOptionException("The " + what + " '" + template + "' uses {" + name
                        + "} twice; use each placeholder once.");
            }
            found.add(name);
        }
        // each text is used whole, or through all of the named fields it holds
        for (String text : pair ? List.of(TEXT_A, TEXT_B) : List.of(TEXT_A)) {
            List<String> parts = fields.entrySet().stream().filter(e -> e.getValue().equals(text))
                    .map(Map.Entry::getKey).toList();
            if (!found.contains(text) && (parts.isEmpty() || !found.containsAll(parts))) {
                throw new InvalidOptionException("The " + what + " '" + template + "' leaves out {" + text
                        + "}" + (parts.isEmpty() ? "" : " (or its parts " + braced(parts) + ")") + " of task '"
                        + task.getId() + "'; use " + (pair ? "both texts" : "the text") + ", found " + braced(found)
                        + ".");
            }
        }
    }

    private static List<String> braced(List<String> names) {
        return names.stream().map(n -> "{" + n + "}").toList();
    }

    /** Reads {@code label=word,...} into words in {@code task}'s label order. */
    static List<String> parseLabelWords(String spec, Task task) {
        List<String> labels = wordLabels(task);
        Map<String, String> byLabel = new LinkedHashMap<>();
        for (String part : spec.split(",", -1)) {
            int eq = part.indexOf('=');
            String label = eq < 0 ? part.strip() : part.substring(0, eq).strip();
            String word = eq < 0 ? "" : part.substring(eq + 1).strip();
            if (eq < 0 || label.isEmpty() || word.isEmpty()) {
                throw new InvalidOptionException("Label words '" + spec + "' must read label=word,..., e.g. "
                        + example(task) + "; '" + part.strip() + "' does not.");
            }
            if (!labels.contains(label)) {
                throw new InvalidOptionException("Label words '" + spec + "' name '" + label + "', which is not a "
                        + "label of task '" + task.getId() + "' (its labels: " + labels + ")."
                        + (labels == CHOICE_LABELS ? " A multiple-choice task's label words name 'true' (the choice "
                        + "is right) and 'false', e.g. true=yes,false=no." : ""));
            }
            if (byLabel.put(label, word) != null) {
                throw new InvalidOptionException("Label words '" + spec + "' give label '" + label + "' twice.");
            }
        }
        List<String> missing = labels.stream().filter(l -> !byLabel.containsKey(l)).toList();
        if (!missing.isEmpty()) {
            throw new InvalidOptionException("Label words '" + spec + "' lack " + missing + "; give a word for each "
                    + "label of task '" + task.getId() + "': " + example(task) + ".");
        }
        return labels.stream().map(byLabel::get).toList();
    }

    /** The template filled with {@code input}'s texts and named fields. */
    public String fill(TextInput input) {
        Map<String, String> values = new LinkedHashMap<>(input.fields());
        values.put(TEXT_A, input.text());
        if (input.textPair() != null) {
            values.put(TEXT_B, input.textPair());
        }
        return Verbalizer.fill(template, values);
    }
}
