package dev.peft4j.api;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A declared option of a plugin: its name (lower-case kebab), type, default, valid range or
 * choices, and a one-line help text. Build them with the static factories.
 *
 * @param name         lower-case kebab name, e.g. {@code bottleneck}
 * @param type         value type
 * @param defaultValue default, already of the type's Java class
 * @param range        valid interval for numeric options, else {@code null}
 * @param choices      valid values for {@link OptionType#CHOICE}, else empty
 * @param help         one line saying what the option does
 * @since 1.0
 */
public record OptionSpec(
        String name,
        OptionType type,
        Object defaultValue,
        @Nullable Range range,
        List<String> choices,
        String help) {

    /**
     * Validates the declaration; a plugin with a bad declaration fails at construction.
     *
     * @since 1.0
     */
    public OptionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
        Objects.requireNonNull(help, "help");
        choices = List.copyOf(choices);
        if (!name.matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
            throw new IllegalArgumentException(
                    "Option name '" + name + "' must be lower-case kebab, e.g. 'bottleneck' or 'layer-norm'");
        }
        if (type == OptionType.CHOICE && !choices.contains(defaultValue)) {
            throw new IllegalArgumentException(
                    "Default '" + defaultValue + "' of option '" + name + "' is not one of " + choices);
        }
        if (range != null && defaultValue instanceof Number n && !range.contains(n.doubleValue())) {
            throw new IllegalArgumentException(
                    "Default " + defaultValue + " of option '" + name + "' is outside " + range);
        }
    }

    /**
     * An integer option with a valid interval.
     *
     * @since 1.0
     */
    public static OptionSpec integer(String name, int defaultValue, Range range, String help) {
        return new OptionSpec(name, OptionType.INTEGER, defaultValue, range, List.of(), help);
    }

    /**
     * A real-valued option with a valid interval.
     *
     * @since 1.0
     */
    public static OptionSpec decimal(String name, double defaultValue, Range range, String help) {
        return new OptionSpec(name, OptionType.DECIMAL, defaultValue, range, List.of(), help);
    }

    /**
     * A boolean option.
     *
     * @since 1.0
     */
    public static OptionSpec flag(String name, boolean defaultValue, String help) {
        return new OptionSpec(name, OptionType.BOOLEAN, defaultValue, null, List.of(), help);
    }

    /**
     * An option taking one of {@code choices}.
     *
     * @since 1.0
     */
    public static OptionSpec choice(String name, String defaultValue, List<String> choices, String help) {
        return new OptionSpec(name, OptionType.CHOICE, defaultValue, null, choices, help);
    }

    /**
     * A free-text option.
     *
     * @since 1.0
     */
    public static OptionSpec text(String name, String defaultValue, String help) {
        return new OptionSpec(name, OptionType.TEXT, defaultValue, null, List.of(), help);
    }

    /**
     * What values are valid, in words, e.g. {@code "an integer in [1, inf)"}.
     *
     * @since 1.0
     */
    public String describeValidValues() {
        return switch (type) {
            case INTEGER -> "an integer" + (range == null ? "" : " in " + range);
            case DECIMAL -> "a number" + (range == null ? "" : " in " + range);
            case BOOLEAN -> "true or false";
            case CHOICE -> "one of " + String.join(", ", choices);
            case TEXT -> "any text";
        };
    }

    /**
     * Converts a raw value (a {@link String} from a command line or file, or an already typed
     * value) to this option's type and checks it.
     *
     * @param pluginId the plugin the option belongs to, for the message
     * @throws InvalidOptionException when the value has the wrong type or is out of range
     * @since 1.0
     */
    public Object convert(String pluginId, Object raw) {
        Object value = switch (type) {
            case INTEGER -> toInteger(raw);
            case DECIMAL -> toDecimal(raw);
            case BOOLEAN -> toBoolean(raw);
            case CHOICE, TEXT -> raw instanceof String s ? s.trim() : null;
        };
        if (value == null) {
            throw invalid(pluginId, raw, "is not " + describeValidValues());
        }
        // an unbounded range would let an infinite value through to the maths
        if (value instanceof Double d && Double.isInfinite(d)) {
            throw invalid(pluginId, raw, "is not a finite number");
        }
        if (range != null && !range.contains(((Number) value).doubleValue())) {
            throw invalid(pluginId, raw, "is outside the valid range " + range);
        }
        if (type == OptionType.CHOICE && !choices.contains(value)) {
            String closest = Suggestions.closest((String) value, choices)
                    .map(s -> " Did you mean '" + s + "'?").orElse("");
            throw invalid(pluginId, raw, "is not one of " + String.join(", ", choices) + "." + closest);
        }
        return value;
    }

    private InvalidOptionException invalid(String pluginId, Object raw, String why) {
        return new InvalidOptionException("Option '" + name + "' of plugin '" + pluginId + "': value '"
                + raw + "' " + why + ". Expected " + describeValidValues() + " (default " + defaultValue
                + "): " + help);
    }

    private static @Nullable Integer toInteger(Object raw) {
        if (raw instanceof Integer i) {
            return i;
        }
        if (raw instanceof Long l && l == l.intValue()) {
            return l.intValue();
        }
        if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        if (raw instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static @Nullable Double toDecimal(Object raw) {
        if (raw instanceof Number n) {
            double d = n.doubleValue();
            return Double.isNaN(d) ? null : d; // as for text: NaN is never a valid setting
        }
        if (raw instanceof String s) {
            try {
                double d = Double.parseDouble(s.trim());
                return Double.isNaN(d) ? null : d;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static @Nullable Boolean toBoolean(Object raw) {
        if (raw instanceof Boolean b) {
            return b;
        }
        if (raw instanceof String s) {
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true", "on", "yes" -> Boolean.TRUE;
                case "false", "off", "no" -> Boolean.FALSE;
                default -> null;
            };
        }
        return null;
    }
}
