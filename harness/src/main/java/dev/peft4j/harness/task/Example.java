package dev.peft4j.harness.task;

import dev.peft4j.api.PeftException;
import java.util.List;
import java.util.Objects;

/**
 * One evaluation unit, ready for a tokenizer. One record covers every task kind:
 *
 * <ul>
 *   <li>classification: one input, {@code label} is the class index;
 *   <li>multiple choice: k inputs (one per choice), {@code label} is the correct choice,
 *       {@code candidates} the choice texts;
 *   <li>grouped binary (MultiRC): one input per answer option, label 0/1, {@code groupId} names
 *       the question, so exact match can be computed per question;
 *   <li>candidate scoring (ReCoRD): one input per candidate entity, {@code candidates} the entity
 *       texts, {@code goldAnswers} the accepted answers, {@code label} the first candidate that is
 *       a gold answer ({@code -1} if none).
 * </ul>
 *
 * @param id unique within its split
 * @param groupId the question for grouped tasks, otherwise equal to {@code id}
 * @param inputs the texts to encode: one for classification, one per choice or candidate
 * @param label class or choice index, {@code -1} when unlabelled
 * @param candidates choice or candidate texts, empty for classification
 * @param goldAnswers accepted answer texts for candidate scoring, else empty
 */
public record Example(
        String id,
        String groupId,
        List<TextInput> inputs,
        int label,
        List<String> candidates,
        List<String> goldAnswers) {

    /** Checks the components and copies the lists. */
    public Example {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(groupId, "groupId");
        inputs = List.copyOf(inputs);
        candidates = List.copyOf(candidates);
        goldAnswers = List.copyOf(goldAnswers);
        if (inputs.isEmpty()) {
            throw new PeftException("Example '" + id + "' has no inputs.");
        }
        if (label < -1) {
            throw new PeftException("Example '" + id + "' has label " + label + "; use -1 for unlabelled.");
        }
    }

    /** A classification example (single text or text pair). */
    public static Example classification(String id, TextInput input, int label) {
        return new Example(id, id, List.of(input), label, List.of(), List.of());
    }

    /** A multiple-choice example: one input per choice, {@code label} the correct choice. */
    public static Example multipleChoice(String id, List<TextInput> choices, List<String> choiceTexts, int label) {
        if (choiceTexts.size() != choices.size()) {
            throw new PeftException("Example '" + id + "' has " + choices.size() + " choice inputs but "
                    + choiceTexts.size() + " choice texts; give one text per choice.");
        }
        if (label >= choices.size()) {
            throw new PeftException("Example '" + id + "' has answer " + label + " but only "
                    + choices.size() + " choices.");
        }
        return new Example(id, id, choices, label, choiceTexts, List.of());
    }

    /** One answer option of a grouped binary task; {@code groupId} names the question. */
    public static Example groupedBinary(String id, String groupId, TextInput input, int label) {
        return new Example(id, groupId, List.of(input), label, List.of(), List.of());
    }

    /** A candidate-scoring example: one input per candidate, judged against {@code goldAnswers}. */
    public static Example candidateScoring(
            String id, List<TextInput> inputs, List<String> candidates, List<String> goldAnswers) {
        if (inputs.size() != candidates.size()) {
            throw new PeftException("Example '" + id + "' has " + inputs.size() + " inputs but "
                    + candidates.size() + " candidates; give one input per candidate.");
        }
        int label = -1;
        for (int i = 0; i < candidates.size() && label < 0; i++) {
            if (goldAnswers.contains(candidates.get(i))) {
                label = i;
            }
        }
        return new Example(id, id, inputs, label, candidates, goldAnswers);
    }

    /** Whether the example has a known answer. */
    public boolean isLabelled() {
        return label >= 0;
    }
}
