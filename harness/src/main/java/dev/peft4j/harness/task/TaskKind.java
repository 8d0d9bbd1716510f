package dev.peft4j.harness.task;

/** How a task's examples are shaped and scored. */
public enum TaskKind {
    /** One text, one of the task's labels (a user's sentiment data, for example). */
    SINGLE_TEXT_CLASSIFICATION,
    /** Two texts, one of the task's labels (CB, RTE, BoolQ, WiC). */
    TEXT_PAIR_CLASSIFICATION,
    /** k inputs, one correct; each is scored and a softmax over the k scores picks one (COPA). */
    MULTIPLE_CHOICE,
    /** Binary classification of answer options, judged per question group (MultiRC). */
    GROUPED_BINARY,
    /** Each candidate entity is scored; the best one is judged against gold answer texts (ReCoRD). */
    CANDIDATE_SCORING
}
