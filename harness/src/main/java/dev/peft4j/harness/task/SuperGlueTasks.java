package dev.peft4j.harness.task;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.Suggestions;
import dev.peft4j.backbones.Verbalizer;
import dev.peft4j.harness.metric.Metric;
import dev.peft4j.harness.metric.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The eight SuperGLUE tasks, rendered for an encoder with a classification head in the style of
 * the prompt-tuning papers (Lester et al. 2021; Razdaibiedina et al. 2023): the record's texts go
 * in as one text or a text pair, the soft prompt is prepended by the model, and labels are class
 * indices. The short text (question, hypothesis, query) comes first and the passage second, so
 * truncating the longer text cuts the passage, never the question.
 *
 * <p>Splits: {@code train}, {@code val}, {@code test} from the official distribution
 * ({@code superglue/<Task>/*.jsonl}) and {@code fewglue-train}, {@code fewglue-dev32} from FewGLUE
 * ({@code fewglue/<Task>/*.jsonl}). Test files have no labels ({@code label = -1}).
 */
public final class SuperGlueTasks {

    private static final List<String> BOOLEAN_LABELS = List.of("false", "true");
    private static final String TEXT_A = "text_a";
    private static final String TEXT_B = "text_b";
    private static final Map<String, String> PREMISE_HYPOTHESIS = fields("premise", TEXT_A, "hypothesis", TEXT_B);

    private SuperGlueTasks() {}

    /**
     * BoolQ: a yes/no question about a Wikipedia passage. Input: pair ({@code question},
     * {@code passage}); labels {@code false, true}; metric accuracy.
     */
    public static Task boolq() {
        return base("boolq", "BoolQ", TaskKind.TEXT_PAIR_CLASSIFICATION)
                .optDescription("BoolQ: yes/no questions about a passage")
                .setLabels(BOOLEAN_LABELS)
                .setInputFields(List.of("question", "passage"))
                .optTemplateFields(fields("question", TEXT_A, "passage", TEXT_B))
                .addMetric(Metrics.accuracy())
                .setConverter((r, t) -> List.of(Example.classification(id(r),
                        TextInput.pair(r.getString("question"), r.getString("passage")).withFields(Map.of(
                                "question", r.getString("question"), "passage", r.getString("passage"))),
                        label(r, t))))
                .build();
    }

    /**
     * CB (CommitmentBank): does the premise commit to the hypothesis? Input: pair
     * ({@code premise}, {@code hypothesis}); labels {@code entailment, contradiction, neutral};
     * headline metric the mean of accuracy and macro-F1 over the three classes, then both.
     */
    public static Task cb() {
        Metric accuracy = Metrics.accuracy();
        Metric f1 = Metrics.macroF1(3);
        return base("cb", "CB", TaskKind.TEXT_PAIR_CLASSIFICATION)
                .optDescription("CommitmentBank: three-way entailment")
                .setLabels(List.of("entailment", "contradiction", "neutral"))
                .setInputFields(List.of("premise", "hypothesis"))
                .optTemplateFields(PREMISE_HYPOTHESIS)
                .addMetric(Metrics.mean("acc_f1", "acc/F1", accuracy, f1))
                .addMetric(accuracy)
                .addMetric(f1)
                .setConverter(SuperGlueTasks::premiseHypothesis)
                .build();
    }

    /**
     * COPA: which of two alternatives is the cause (or effect) of the premise? Multiple choice:
     * each choice is scored as the pair ({@code premise}, {@code "What was the cause? " + choice})
     * (or {@code "What happened as a result? "} for effect), and a softmax over the two scores picks
     * one. Labels {@code choice1, choice2}; metric accuracy. Named fields {@code premise} and
     * {@code choice} without their final punctuation (the choice with a lower-case first letter),
     * and {@code connective}, {@code because} for a cause and {@code so} for an effect, as PET
     * joins them (Schick and Schütze 2021, {@code CopaPVP}).
     */
    public static Task copa() {
        return base("copa", "COPA", TaskKind.MULTIPLE_CHOICE)
                .optDescription("Choice of Plausible Alternatives")
                .setLabels(List.of("choice1", "choice2"))
                .setInputFields(List.of("premise", "question", "choice1", "choice2"))
                .optTemplateFields(fields("premise", TEXT_A, "choice", TEXT_B, "connective", ""))
                .addMetric(Metrics.accuracy())
                .setConverter(SuperGlueTasks::copaExample)
                .build();
    }

    /**
     * MultiRC: true/false judgement of each answer option to a question about a paragraph. One
     * example per answer option: pair ({@code question + " " + answer}, {@code paragraph}), labels
     * {@code false, true}, grouped by question ({@code groupId = "<paragraph idx>-<question idx>"}).
     * Headline metric F1a over all answer options, then exact match per question. Named fields
     * {@code question}, {@code answer} and {@code paragraph}.
     */
    public static Task multirc() {
        return base("multirc", "MultiRC", TaskKind.GROUPED_BINARY)
                .optDescription("Multi-Sentence Reading Comprehension")
                .setLabels(BOOLEAN_LABELS)
                .setInputFields(List.of("passage.text", "questions[].question", "answers[].text"))
                .optTemplateFields(fields("question", TEXT_A, "answer", TEXT_A, "paragraph", TEXT_B))
                .addMetric(Metrics.f1a())
                .addMetric(Metrics.exactMatchPerGroup())
                .setConverter(SuperGlueTasks::multircExamples)
                .build();
    }

    /**
     * ReCoRD: cloze-style queries whose {@code @placeholder} is one of the passage's entities. One
     * example per query: each distinct candidate entity gives the pair (query with the entity
     * filled in, passage with {@code @highlight} markers turned into {@code "- "} bullets); the
     * best-scored entity is judged against the gold answers by SQuAD-normalized max token F1
     * (headline) and exact match. Only FewGLUE's ReCoRD lies in the shared data; the full set must
     * come from the user.
     */
    public static Task record() {
        return base("record", "ReCoRD", TaskKind.CANDIDATE_SCORING)
                .optDescription("Reading Comprehension with Commonsense Reasoning")
                .setInputFields(List.of("passage.text", "passage.entities", "qas[].query", "qas[].answers"))
                .addMetric(Metrics.maxTokenF1())
                .addMetric(Metrics.maxExactMatch())
                .setConverter(SuperGlueTasks::recordExamples)
                .build();
    }

    /**
     * RTE: does the premise entail the hypothesis? Input: pair ({@code premise},
     * {@code hypothesis}); labels {@code entailment, not_entailment}; metric accuracy.
     */
    public static Task rte() {
        return base("rte", "RTE", TaskKind.TEXT_PAIR_CLASSIFICATION)
                .optDescription("Recognizing Textual Entailment")
                .setLabels(List.of("entailment", "not_entailment"))
                .setInputFields(List.of("premise", "hypothesis"))
                .optTemplateFields(PREMISE_HYPOTHESIS)
                .addMetric(Metrics.accuracy())
                .setConverter(SuperGlueTasks::premiseHypothesis)
                .build();
    }

    /**
     * WiC: is the word used in the same sense in both sentences? Input: pair
     * ({@code word + ": " + sentence1}, {@code sentence2}); labels {@code false, true}; metric
     * accuracy. Named fields {@code word}, {@code sentence1} and {@code sentence2}.
     */
    public static Task wic() {
        return base("wic", "WiC", TaskKind.TEXT_PAIR_CLASSIFICATION)
                .optDescription("Words in Context")
                .setLabels(BOOLEAN_LABELS)
                .setInputFields(List.of("word", "sentence1", "sentence2"))
                .optTemplateFields(fields("word", TEXT_A, "sentence1", TEXT_A, "sentence2", TEXT_B))
                .addMetric(Metrics.accuracy())
                .setConverter((r, t) -> List.of(Example.classification(id(r), TextInput.pair(
                        r.getString("word") + ": " + r.getString("sentence1"), r.getString("sentence2"))
                        .withFields(Map.of("word", r.getString("word"), "sentence1", r.getString("sentence1"),
                                "sentence2", r.getString("sentence2"))),
                        label(r, t))))
                .build();
    }

    /**
     * WSC: does the pronoun refer to the noun phrase? Input: the single text with the noun phrase
     * (span 1) marked as {@code *phrase*} and the pronoun (span 2) as {@code #pronoun#}; the spans
     * are located by their word indices ({@code span1_index}, {@code span2_index}) in the
     * space-separated text, and as many words as the span text has are marked. Labels
     * {@code false, true}; metric accuracy. Named fields {@code text} (unmarked),
     * {@code span1_text} (the noun phrase) and {@code span2_text} (the pronoun).
     */
    public static Task wsc() {
        return base("wsc", "WSC", TaskKind.SINGLE_TEXT_CLASSIFICATION)
                .optDescription("Winograd Schema Challenge")
                .setLabels(BOOLEAN_LABELS)
                .setInputFields(List.of("text", "target.span1_index", "target.span1_text",
                        "target.span2_index", "target.span2_text"))
                .optTemplateFields(fields("text", TEXT_A, "span1_text", "", "span2_text", ""))
                .addMetric(Metrics.accuracy())
                .setConverter(SuperGlueTasks::wscExample)
                .build();
    }

    /** All eight tasks, in SuperGLUE's order. */
    public static List<Task> all() {
        return List.of(boolq(), cb(), copa(), multirc(), record(), rte(), wic(), wsc());
    }

    /**
     * A task by id, case-insensitive ({@code boolq}, {@code cb}, {@code copa}, {@code multirc},
     * {@code record}, {@code rte}, {@code wic}, {@code wsc}).
     *
     * @throws PeftException naming the known ids and the closest one
     */
    public static Task byId(String id) {
        Map<String, Task> tasks = new LinkedHashMap<>();
        for (Task task : all()) {
            tasks.put(task.getId(), task);
        }
        Task task = tasks.get(id.toLowerCase(Locale.ROOT));
        if (task == null) {
            String hint = Suggestions.closest(id, tasks.keySet())
                    .map(s -> " Did you mean '" + s + "'?").orElse("");
            throw new PeftException("Unknown task '" + id + "'." + hint + " Available: "
                    + String.join(", ", tasks.keySet()) + ".");
        }
        return task;
    }

    private static Task.Builder base(String id, String directory, TaskKind kind) {
        return Task.builder()
                .setId(id)
                .setKind(kind)
                .optDirectoryName(directory)
                .addSplit("train", SplitSource.superGlue("train.jsonl"))
                .addSplit("val", SplitSource.superGlue("val.jsonl"))
                .addSplit("test", SplitSource.superGlue("test.jsonl"))
                .addSplit("fewglue-train", SplitSource.fewGlue("train.jsonl"))
                .addSplit("fewglue-dev32", SplitSource.fewGlue("dev32.jsonl"));
    }

    /** Template fields in the given order: name, holding text, name, holding text, ... */
    private static Map<String, String> fields(String... nameAndText) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            fields.put(nameAndText[i], nameAndText[i + 1]);
        }
        return fields;
    }

    private static String id(SourceRecord r) {
        return r.has("idx") ? r.getString("idx") : "line" + r.getLine();
    }

    /** The label index, or -1 for unlabelled (test) records. */
    private static int label(SourceRecord r, Task t) {
        return r.has("label") ? t.labelIndex(r.getString("label"), r) : -1;
    }

    private static List<Example> premiseHypothesis(SourceRecord r, Task t) {
        return List.of(Example.classification(id(r),
                TextInput.pair(r.getString("premise"), r.getString("hypothesis")).withFields(Map.of(
                        "premise", r.getString("premise"), "hypothesis", r.getString("hypothesis"))),
                label(r, t)));
    }

    private static List<Example> copaExample(SourceRecord r, Task t) {
        String question = r.getString("question");
        String prompt;
        if (question.equals("cause")) {
            prompt = "What was the cause? ";
        } else if (question.equals("effect")) {
            prompt = "What happened as a result? ";
        } else {
            throw r.fail("field 'question' is '" + question + "' but must be 'cause' or 'effect'", null);
        }
        String premise = r.getString("premise");
        String choice1 = r.getString("choice1");
        String choice2 = r.getString("choice2");
        int label = r.has("label") ? r.getInt("label") : -1;
        if (label > 1) {
            throw r.fail("unknown label '" + label + "' for task 'copa'; its labels are 0 (choice1) and 1 (choice2)", null);
        }
        String connective = question.equals("cause") ? "because" : "so";
        return List.of(Example.multipleChoice(id(r),
                List.of(copaInput(premise, prompt, choice1, connective), copaInput(premise, prompt, choice2, connective)),
                List.of(choice1, choice2), label));
    }

    private static TextInput copaInput(String premise, String prompt, String choice, String connective) {
        String joinable = Verbalizer.withoutFinalPunctuation(choice);
        joinable = joinable.isEmpty() ? joinable : joinable.substring(0, 1).toLowerCase(Locale.ROOT) + joinable.substring(1);
        return TextInput.pair(premise, prompt + choice).withFields(Map.of("premise", Verbalizer.withoutFinalPunctuation(premise),
                "choice", joinable, "connective", connective));
    }

    private static List<Example> multircExamples(SourceRecord r, Task t) {
        JsonObject passage = r.getObject(r.getFields(), "passage", "");
        String paragraph = r.getString(passage, "text", "passage.");
        String paragraphId = id(r);
        List<Example> examples = new ArrayList<>();
        JsonArray questions = r.getArray(passage, "questions", "passage.");
        for (int q = 0; q < questions.size(); q++) {
            JsonObject question = asObject(r, questions.get(q), "passage.questions[" + q + "]");
            String questionPath = "passage.questions[" + q + "].";
            String questionText = r.getString(question, "question", questionPath);
            String groupId = paragraphId + "-" + (question.has("idx")
                    ? r.getString(question, "idx", questionPath) : Integer.toString(q));
            JsonArray answers = r.getArray(question, "answers", questionPath);
            for (int a = 0; a < answers.size(); a++) {
                String answerPath = questionPath + "answers[" + a + "].";
                JsonObject answer = asObject(r, answers.get(a), answerPath);
                String answerId = groupId + "-" + (answer.has("idx")
                        ? r.getString(answer, "idx", answerPath) : Integer.toString(a));
                int label = answer.has("label")
                        ? t.labelIndex(booleanName(r.getString(answer, "label", answerPath)), r) : -1;
                String answerText = r.getString(answer, "text", answerPath);
                examples.add(Example.groupedBinary(answerId, groupId,
                        TextInput.pair(questionText + " " + answerText, paragraph).withFields(Map.of(
                                "question", questionText, "answer", answerText, "paragraph", paragraph)),
                        label));
            }
        }
        return examples;
    }

    /** MultiRC writes labels as 0/1. */
    private static String booleanName(String raw) {
        switch (raw) {
            case "0":
                return "false";
            case "1":
                return "true";
            default:
                return raw;
        }
    }

    private static List<Example> recordExamples(SourceRecord r, Task t) {
        JsonObject passage = r.getObject(r.getFields(), "passage", "");
        String rawText = r.getString(passage, "text", "passage.");
        Set<String> entities = new LinkedHashSet<>();
        JsonArray spans = r.getArray(passage, "entities", "passage.");
        for (int i = 0; i < spans.size(); i++) {
            String path = "passage.entities[" + i + "].";
            JsonObject span = asObject(r, spans.get(i), path);
            int start = r.getInt(span, "start", path);
            int end = r.getInt(span, "end", path);
            // SuperGLUE's entity spans are inclusive of the end index.
            if (start < 0 || end < start || end >= rawText.length()) {
                throw r.fail("entity span " + path + " [" + start + ", " + end
                        + "] lies outside the passage of " + rawText.length() + " characters", null);
            }
            entities.add(rawText.substring(start, end + 1));
        }
        if (entities.isEmpty()) {
            throw r.fail("passage.entities is empty; ReCoRD needs candidate entities", null);
        }
        String text = rawText.replace("@highlight\n", "- ");
        List<String> candidates = List.copyOf(entities);
        List<Example> examples = new ArrayList<>();
        JsonArray queries = r.getArray(r.getFields(), "qas", "");
        for (int q = 0; q < queries.size(); q++) {
            String path = "qas[" + q + "].";
            JsonObject qa = asObject(r, queries.get(q), path);
            String query = r.getString(qa, "query", path);
            if (!query.contains("@placeholder")) {
                throw r.fail("query " + path + " has no @placeholder to fill", null);
            }
            List<String> gold = new ArrayList<>();
            if (qa.has("answers")) {
                JsonArray answers = r.getArray(qa, "answers", path);
                for (int a = 0; a < answers.size(); a++) {
                    gold.add(r.getString(asObject(r, answers.get(a), path + "answers[" + a + "]"),
                            "text", path + "answers[" + a + "]."));
                }
            }
            List<TextInput> inputs = new ArrayList<>();
            for (String entity : candidates) {
                inputs.add(TextInput.pair(query.replace("@placeholder", entity), text));
            }
            String queryId = qa.has("idx") ? r.getString(qa, "idx", path) : id(r) + "-" + q;
            examples.add(Example.candidateScoring(queryId, inputs, candidates, gold));
        }
        return examples;
    }

    private static List<Example> wscExample(SourceRecord r, Task t) {
        JsonObject target = r.getObject(r.getFields(), "target", "");
        String[] words = r.getString("text").split(" ", -1);
        String[] marked = words.clone();
        String noun = r.getString(target, "span1_text", "target.");
        String pronoun = r.getString(target, "span2_text", "target.");
        mark(r, marked, r.getInt(target, "span1_index", "target."), noun, "*", "target.span1");
        mark(r, marked, r.getInt(target, "span2_index", "target."), pronoun, "#", "target.span2");
        return List.of(Example.classification(id(r), TextInput.single(String.join(" ", marked)).withFields(Map.of(
                "text", r.getString("text"), "span1_text", noun, "span2_text", pronoun)), label(r, t)));
    }

    private static void mark(SourceRecord r, String[] words, int index, String span, String marker, String field) {
        int length = span.trim().split("\\s+").length;
        if (index < 0 || index >= words.length) {
            throw r.fail(field + "_index " + index + " is outside the text's " + words.length + " words", null);
        }
        int last = Math.min(words.length, index + length) - 1;
        words[index] = marker + words[index];
        words[last] = words[last] + marker;
    }

    private static JsonObject asObject(SourceRecord r, JsonElement element, String path) {
        if (!element.isJsonObject()) {
            throw r.fail("'" + path + "' should be an object", null);
        }
        return element.getAsJsonObject();
    }
}
