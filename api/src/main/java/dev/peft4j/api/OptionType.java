package dev.peft4j.api;

/**
 * The value type of a declared plugin option.
 *
 * @since 1.0
 */
public enum OptionType {
    /**
     * A whole number, read as {@link Integer}.
     *
     * @since 1.0
     */
    INTEGER,
    /**
     * A real number, read as {@link Double}.
     *
     * @since 1.0
     */
    DECIMAL,
    /**
     * {@code true} or {@code false}; also accepts on/off and yes/no when parsed from text.
     *
     * @since 1.0
     */
    BOOLEAN,
    /**
     * One of a fixed set of lower-case words, read as {@link String}.
     *
     * @since 1.0
     */
    CHOICE,
    /**
     * Free text, read as {@link String}.
     *
     * @since 1.0
     */
    TEXT;

    /**
     * The lower-case name shown in messages and listings.
     *
     * @since 1.0
     */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
