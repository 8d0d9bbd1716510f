package dev.peft4j.harness.metric;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One example's result, before aggregation: what was predicted and what was right. Metrics
 * aggregate lists of these, so predictions can be saved, inspected and re-scored later.
 *
 * @param exampleId the example's id, unique in its split
 * @param groupId the group the example belongs to (the MultiRC question); the example id when
 *     the task has no groups
 * @param predicted the predicted class or choice index
 * @param gold the correct class or choice index, {@code -1} when unknown (an unlabelled split,
 *     or a ReCoRD query whose answer is not among the candidates)
 * @param predictedText the predicted answer text for tasks judged by text (ReCoRD), else null
 * @param goldAnswers the acceptable answer texts for tasks judged by text, else empty
 */
public record Prediction(
        String exampleId,
        String groupId,
        int predicted,
        int gold,
        @Nullable String predictedText,
        List<String> goldAnswers) {

    /** Checks the components and copies the answer list. */
    public Prediction {
        Objects.requireNonNull(exampleId, "exampleId");
        Objects.requireNonNull(groupId, "groupId");
        goldAnswers = List.copyOf(goldAnswers);
    }

    /** A class or choice prediction for an ungrouped example. */
    public static Prediction of(String exampleId, int predicted, int gold) {
        return new Prediction(exampleId, exampleId, predicted, gold, null, List.of());
    }

    /** A binary prediction for one answer option of a group (a MultiRC question). */
    public static Prediction grouped(String exampleId, String groupId, int predicted, int gold) {
        return new Prediction(exampleId, groupId, predicted, gold, null, List.of());
    }

    /** A text prediction judged against a list of acceptable answers (ReCoRD). */
    public static Prediction text(String exampleId, String predictedText, List<String> goldAnswers) {
        return new Prediction(exampleId, exampleId, -1, -1, predictedText, goldAnswers);
    }

    /** Whether the predicted index equals the gold index. */
    public boolean isCorrect() {
        return predicted == gold;
    }
}
