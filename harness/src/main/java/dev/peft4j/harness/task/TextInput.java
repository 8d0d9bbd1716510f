package dev.peft4j.harness.task;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the encoder reads for one input: one text, or a pair encoded as
 * {@code [CLS] text [SEP] textPair [SEP]}. By convention the short text (question, hypothesis,
 * query) comes first and the long one (passage) second, so truncation cuts the passage.
 *
 * @param text the first (or only) text
 * @param textPair the second text of a pair, null for a single text
 */
public record TextInput(String text, @Nullable String textPair) {

    /** Checks that the text is not null. */
    public TextInput {
        Objects.requireNonNull(text, "text");
    }

    /** A single text. */
    public static TextInput single(String text) {
        return new TextInput(text, null);
    }

    /** A text pair. */
    public static TextInput pair(String text, String textPair) {
        return new TextInput(text, Objects.requireNonNull(textPair, "textPair"));
    }

    /** Whether this input is a text pair. */
    public boolean isPair() {
        return textPair != null;
    }
}
