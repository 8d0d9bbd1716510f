package dev.peft4j.harness.task;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What the encoder reads for one input: one text, or a pair encoded as
 * {@code [CLS] text [SEP] textPair [SEP]}. By convention the short text (question, hypothesis,
 * query) comes first and the long one (passage) second, so truncation cuts the passage.
 *
 * <p>The named fields are the record's parts the texts were made of (a WiC word, a COPA choice,
 * ...), by the names {@link Task#getTemplateFields()} declares: a verbalizer template can use them
 * as placeholders where the rendered texts would not read well.
 *
 * @param text the first (or only) text
 * @param textPair the second text of a pair, null for a single text
 * @param fields the named parts of the record, empty when the task declares none
 */
public record TextInput(String text, @Nullable String textPair, Map<String, String> fields) {

    /** Checks that the text is not null and copies the fields. */
    public TextInput {
        Objects.requireNonNull(text, "text");
        fields = Map.copyOf(fields);
    }

    /** An input without named fields. */
    public TextInput(String text, @Nullable String textPair) {
        this(text, textPair, Map.of());
    }

    /** This input with {@code fields} as its named fields. */
    public TextInput withFields(Map<String, String> fields) {
        return new TextInput(text, textPair, fields);
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
