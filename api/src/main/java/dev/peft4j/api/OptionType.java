package dev.peft4j.api;

/** The value type of a declared plugin option. */
public enum OptionType {
    /** A whole number, read as {@link Integer}. */
    INTEGER,
    /** A real number, read as {@link Double}. */
    DECIMAL,
    /** {@code true} or {@code false}; also accepts on/off and yes/no when parsed from text. */
    BOOLEAN,
    /** One of a fixed set of lower-case words, read as {@link String}. */
    CHOICE,
    /** Free text, read as {@link String}. */
    TEXT;

    /** The lower-case name shown in messages and listings. */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
