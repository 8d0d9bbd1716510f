package dev.peft4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Immutable, validated option values of one plugin. Every declared option has a value (its
 * default when not given); values have the Java class of their {@link OptionType}.
 *
 * <pre>{@code
 * Options options = Options.parse("residual-prompt", plugin.getOptions(),
 *         Map.of("bottleneck", "128", "activation", "gelu"));
 * int m = options.getInt("bottleneck");
 * }</pre>
 *
 * @since 1.0
 */
public final class Options {

    private final String pluginId;
    private final Map<String, OptionSpec> specs;
    private final Map<String, Object> values;

    private Options(String pluginId, Map<String, OptionSpec> specs, Map<String, Object> values) {
        this.pluginId = pluginId;
        this.specs = specs;
        this.values = values;
    }

    /**
     * All defaults of {@code specs}.
     *
     * @since 1.0
     */
    public static Options defaults(String pluginId, List<OptionSpec> specs) {
        return parse(pluginId, specs, Map.of());
    }

    /**
     * Validates {@code given} against {@code specs} and fills in defaults. Values may be text
     * ({@code "128"}, {@code "on"}) or already typed ({@code 128}, {@code true}).
     *
     * @throws InvalidOptionException for an unknown name (with the closest valid name), a value
     *     of the wrong type, out of range or not one of the choices
     * @since 1.0
     */
    public static Options parse(String pluginId, List<OptionSpec> specs, Map<String, ?> given) {
        Objects.requireNonNull(pluginId, "pluginId must not be null");
        Objects.requireNonNull(specs, "specs must not be null");
        Objects.requireNonNull(given, "options must not be null; pass an empty map for defaults");
        Map<String, OptionSpec> byName = new LinkedHashMap<>();
        for (OptionSpec spec : specs) {
            if (byName.putIfAbsent(spec.name(), spec) != null) {
                throw new InvalidOptionException(
                        "Plugin '" + pluginId + "' declares option '" + spec.name() + "' twice");
            }
        }
        for (Map.Entry<String, ?> entry : given.entrySet()) {
            if (entry.getKey() == null || entry.getValue() == null) {
                throw new InvalidOptionException("Plugin '" + pluginId
                        + "': option names and values must not be null, got " + entry.getKey() + "="
                        + entry.getValue());
            }
            if (!byName.containsKey(entry.getKey())) {
                throw unknown(pluginId, entry.getKey(), byName.keySet());
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (OptionSpec spec : byName.values()) {
            Object raw = given.get(spec.name());
            values.put(spec.name(), raw == null ? spec.defaultValue() : spec.convert(pluginId, raw));
        }
        return new Options(pluginId, Collections.unmodifiableMap(byName), Collections.unmodifiableMap(values));
    }

    /**
     * Parses {@code name=value} pairs separated by commas, e.g. {@code "bottleneck=128,activation=gelu"}.
     *
     * @throws InvalidOptionException when a pair has no {@code =}, or as {@link #parse}
     * @since 1.0
     */
    public static Options parse(String pluginId, List<OptionSpec> specs, String pairs) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String pair : pairs.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new InvalidOptionException("Plugin '" + pluginId + "': option '" + pair.trim()
                        + "' is not of the form name=value, e.g. bottleneck=128");
            }
            given.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        return parse(pluginId, specs, given);
    }

    /**
     * This set with one more value, validated.
     *
     * @since 1.0
     */
    public Options with(String name, Object value) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.put(name, value);
        return parse(pluginId, List.copyOf(specs.values()), merged);
    }

    /**
     * The plugin these options belong to.
     *
     * @since 1.0
     */
    public String getPluginId() {
        return pluginId;
    }

    /**
     * Checks that these options were parsed for {@code pluginId}; a plugin's
     * {@link ReparameterizerPlugin#create} calls it first.
     *
     * @return these options
     * @throws InvalidOptionException when they belong to another plugin
     * @since 1.0
     */
    public Options requireFor(String pluginId) {
        if (!this.pluginId.equals(pluginId)) {
            throw new InvalidOptionException("Plugin '" + pluginId + "' was given options of plugin '"
                    + this.pluginId + "'. Parse them with this plugin's parseOptions(...) or Options.parse(\""
                    + pluginId + "\", ...).");
        }
        return this;
    }

    /**
     * The value of an {@link OptionType#INTEGER} option.
     *
     * @since 1.0
     */
    public int getInt(String name) {
        return (Integer) get(name, OptionType.INTEGER);
    }

    /**
     * The value of a {@link OptionType#DECIMAL} option.
     *
     * @since 1.0
     */
    public double getDouble(String name) {
        return (Double) get(name, OptionType.DECIMAL);
    }

    /**
     * The value of a {@link OptionType#BOOLEAN} option.
     *
     * @since 1.0
     */
    public boolean getBoolean(String name) {
        return (Boolean) get(name, OptionType.BOOLEAN);
    }

    /**
     * The value of a {@link OptionType#CHOICE} or {@link OptionType#TEXT} option.
     *
     * @since 1.0
     */
    public String getString(String name) {
        OptionSpec spec = spec(name);
        if (spec.type() != OptionType.CHOICE && spec.type() != OptionType.TEXT) {
            throw wrongType(spec, "choice or text");
        }
        return (String) values.get(name);
    }

    /**
     * All values, in declaration order, as an unmodifiable map.
     *
     * @since 1.0
     */
    public Map<String, Object> asMap() {
        return values;
    }

    /**
     * All values as text, in declaration order, e.g. for a run's JSON record.
     *
     * @since 1.0
     */
    public Map<String, String> asStringMap() {
        return values.entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> String.valueOf(e.getValue()), (a, b) -> a, LinkedHashMap::new));
    }

    private Object get(String name, OptionType type) {
        OptionSpec spec = spec(name);
        if (spec.type() != type) {
            throw wrongType(spec, type.displayName());
        }
        return values.get(name);
    }

    private OptionSpec spec(String name) {
        OptionSpec spec = specs.get(name);
        if (spec == null) {
            throw unknown(pluginId, name, specs.keySet());
        }
        return spec;
    }

    private InvalidOptionException wrongType(OptionSpec spec, String asked) {
        return new InvalidOptionException("Option '" + spec.name() + "' of plugin '" + pluginId + "' is "
                + spec.type().displayName() + ", not " + asked);
    }

    private static InvalidOptionException unknown(String pluginId, String name, java.util.Set<String> valid) {
        String hint = Suggestions.closest(name, valid).map(s -> " Did you mean '" + s + "'?").orElse("");
        String list = valid.isEmpty() ? "none" : String.join(", ", valid);
        return new InvalidOptionException(
                "Unknown option '" + name + "' for plugin '" + pluginId + "'." + hint + " Valid options: " + list);
    }

    @Override
    public boolean equals(@org.jspecify.annotations.Nullable Object other) {
        return other instanceof Options o && o.pluginId.equals(pluginId) && o.values.equals(values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pluginId, values);
    }

    @Override
    public String toString() {
        return pluginId + values;
    }
}
