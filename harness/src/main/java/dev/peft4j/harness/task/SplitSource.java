package dev.peft4j.harness.task;

import java.util.Objects;

/**
 * Where a split's records live: the collection folder (for example {@code superglue} or
 * {@code fewglue}; empty for a user's own files) and the file name inside the task's folder, or an
 * absolute path for a user's own files.
 *
 * @param collection the collection folder, empty when {@code fileName} is a full path
 * @param fileName the file name (for example {@code val.jsonl}) or a full path
 */
public record SplitSource(String collection, String fileName) {

    /** Checks the components. */
    public SplitSource {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(fileName, "fileName");
    }

    /** A split of the official SuperGLUE distribution. */
    public static SplitSource superGlue(String fileName) {
        return new SplitSource("superglue", fileName);
    }

    /** A split of FewGLUE (32-shot train and dev32 sets). */
    public static SplitSource fewGlue(String fileName) {
        return new SplitSource("fewglue", fileName);
    }

    /** A user's own file, used as given. */
    public static SplitSource file(String path) {
        return new SplitSource("", path);
    }
}
