package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

    private static final String PLUGIN = "test-method";
    private static final List<OptionSpec> SPECS = List.of(
            OptionSpec.integer("bottleneck", 400, Range.atLeast(1), "Width m of the MLP's hidden layer"),
            OptionSpec.decimal("dropout", 0.0, Range.closedOpen(0, 1), "Dropout after the up-projection"),
            OptionSpec.flag("layer-norm", true, "LayerNorm before the skip connection"),
            OptionSpec.choice("activation", "relu", List.of("relu", "tanh", "gelu", "sigmoid"), "Activation"),
            OptionSpec.text("note", "none", "Free text"));

    @Test
    void defaultsFillEveryOption() {
        Options options = Options.defaults(PLUGIN, SPECS);

        assertThat(options.getPluginId()).isEqualTo(PLUGIN);
        assertThat(options.getInt("bottleneck")).isEqualTo(400);
        assertThat(options.getDouble("dropout")).isEqualTo(0.0);
        assertThat(options.getBoolean("layer-norm")).isTrue();
        assertThat(options.getString("activation")).isEqualTo("relu");
        assertThat(options.getString("note")).isEqualTo("none");
        assertThat(options.asMap()).containsOnlyKeys("bottleneck", "dropout", "layer-norm", "activation", "note");
    }

    @Test
    void parsesTextValues() {
        Options options = Options.parse(PLUGIN, SPECS, Map.of(
                "bottleneck", " 128 ", "dropout", "0.1", "layer-norm", "off", "activation", "gelu", "note", " hi "));

        assertThat(options.getInt("bottleneck")).isEqualTo(128);
        assertThat(options.getDouble("dropout")).isEqualTo(0.1);
        assertThat(options.getBoolean("layer-norm")).isFalse();
        assertThat(options.getString("activation")).isEqualTo("gelu");
        assertThat(options.getString("note")).isEqualTo("hi");
    }

    @Test
    void booleanTextAcceptsTrueOnYesAndTheirOpposites() {
        for (String yes : List.of("true", "ON", "yes")) {
            assertThat(Options.parse(PLUGIN, SPECS, Map.of("layer-norm", yes)).getBoolean("layer-norm")).isTrue();
        }
        for (String no : List.of("false", "Off", "no")) {
            assertThat(Options.parse(PLUGIN, SPECS, Map.of("layer-norm", no)).getBoolean("layer-norm")).isFalse();
        }
    }

    @Test
    void acceptsTypedValues() {
        Options options = Options.parse(PLUGIN, SPECS, Map.of(
                "bottleneck", 64L, "dropout", 0.25f, "layer-norm", false, "activation", "tanh"));

        assertThat(options.getInt("bottleneck")).isEqualTo(64);
        assertThat(options.getDouble("dropout")).isEqualTo(0.25);
        assertThat(options.getBoolean("layer-norm")).isFalse();
        assertThat(Options.parse(PLUGIN, SPECS, Map.of("bottleneck", 32.0)).getInt("bottleneck")).isEqualTo(32);
        assertThat(Options.parse(PLUGIN, SPECS, Map.of("dropout", 0)).getDouble("dropout")).isEqualTo(0.0);
    }

    @Test
    void parsesNameValuePairs() {
        Options options = Options.parse(PLUGIN, SPECS, "bottleneck=128, activation = gelu,,dropout=0.5");

        assertThat(options.getInt("bottleneck")).isEqualTo(128);
        assertThat(options.getString("activation")).isEqualTo("gelu");
        assertThat(options.getDouble("dropout")).isEqualTo(0.5);
        assertThat(Options.parse(PLUGIN, SPECS, "")).isEqualTo(Options.defaults(PLUGIN, SPECS));
        assertThat(Options.parse(PLUGIN, SPECS, "note=a=b").getString("note")).isEqualTo("a=b");
    }

    @Test
    void aPairWithoutEqualsSignIsRejected() {
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "bottleneck=128,gelu"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Plugin 'test-method': option 'gelu' is not of the form name=value, e.g. bottleneck=128");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "=5"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'=5' is not of the form name=value");
    }

    @Test
    void unknownOptionNamesTheClosestAndAllValidOnes() {
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "botleneck=128"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Unknown option 'botleneck' for plugin 'test-method'. Did you mean 'bottleneck'? "
                        + "Valid options: bottleneck, dropout, layer-norm, activation, note");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("learning-rate", 1)))
                .hasMessage("Unknown option 'learning-rate' for plugin 'test-method'. "
                        + "Valid options: bottleneck, dropout, layer-norm, activation, note");
        assertThatThrownBy(() -> Options.parse(PLUGIN, List.of(), Map.of("x", 1)))
                .hasMessage("Unknown option 'x' for plugin 'test-method'. Valid options: none");
    }

    @Test
    void outOfRangeNamesTheRange() {
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "bottleneck=0"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Option 'bottleneck' of plugin 'test-method': value '0' is outside the valid range "
                        + "[1, inf). Expected an integer in [1, inf) (default 400): Width m of the MLP's hidden layer");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("dropout", 1.0)))
                .hasMessageContaining("value '1.0' is outside the valid range [0, 1)");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("dropout", "-0.5")))
                .hasMessageContaining("outside the valid range [0, 1)");
    }

    @Test
    void wrongTypeSaysWhatIsExpected() {
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "bottleneck=abc"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Option 'bottleneck' of plugin 'test-method': value 'abc' is not an integer in [1, inf)");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("bottleneck", 12.5)))
                .hasMessageContaining("value '12.5' is not an integer");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("bottleneck", 1L << 40)))
                .hasMessageContaining("is not an integer");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "layer-norm=maybe"))
                .hasMessageContaining("value 'maybe' is not true or false");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("layer-norm", 1)))
                .hasMessageContaining("value '1' is not true or false");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "dropout=NaN"))
                .hasMessageContaining("value 'NaN' is not a number in [0, 1)");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, Map.of("note", 5)))
                .hasMessageContaining("value '5' is not any text");
    }

    @Test
    void typedNotANumberIsRejectedEvenWithoutRange() {
        List<OptionSpec> unbounded = List.of(
                new OptionSpec("scale", OptionType.DECIMAL, 1.0, null, List.of(), "A factor"));

        assertThatThrownBy(() -> Options.parse(PLUGIN, unbounded, Map.of("scale", Double.NaN)))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("value 'NaN' is not a number");
        assertThatThrownBy(() -> Options.parse(PLUGIN, unbounded, Map.of("scale", "NaN")))
                .hasMessageContaining("value 'NaN' is not a number");
    }

    @Test
    void infiniteDecimalIsRejectedEvenWithoutRange() {
        List<OptionSpec> unbounded = List.of(new OptionSpec("scale", OptionType.DECIMAL, 1.0, null, List.of(), "scale"));
        for (Object value : List.of("Infinity", "-Infinity", Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)) {
            assertThatThrownBy(() -> Options.parse(PLUGIN, unbounded, Map.of("scale", value)))
                    .as("%s", value)
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("Option 'scale'")
                    .hasMessageContaining("finite");
        }
    }

    @Test
    void choiceNotAmongTheChoicesSuggestsOne() {
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "activation=gelu2"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Option 'activation' of plugin 'test-method': value 'gelu2' is not one of relu, tanh, "
                        + "gelu, sigmoid. Did you mean 'gelu'?. Expected one of relu, tanh, gelu, sigmoid "
                        + "(default relu): Activation");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, "activation=swish"))
                .hasMessageContaining("value 'swish' is not one of relu, tanh, gelu, sigmoid.")
                .hasMessageNotContaining("Did you mean");
    }

    @Test
    void nullNamesValuesAndMapsAreRejected() {
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("bottleneck", null);
        Map<String, Object> nullName = new HashMap<>();
        nullName.put(null, 3);

        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, nullValue))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Plugin 'test-method': option names and values must not be null, got bottleneck=null");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, nullName))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("must not be null, got null=3");
        assertThatThrownBy(() -> Options.parse(PLUGIN, SPECS, (Map<String, Object>) null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("options must not be null; pass an empty map for defaults");
    }

    @Test
    void gettersCheckNameAndType() {
        Options options = Options.defaults(PLUGIN, SPECS);

        assertThatThrownBy(() -> options.getInt("dropout"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Option 'dropout' of plugin 'test-method' is decimal, not integer");
        assertThatThrownBy(() -> options.getString("bottleneck"))
                .hasMessage("Option 'bottleneck' of plugin 'test-method' is integer, not choice or text");
        assertThatThrownBy(() -> options.getBoolean("layernorm"))
                .hasMessageContaining("Unknown option 'layernorm'")
                .hasMessageContaining("Did you mean 'layer-norm'?");
    }

    @Test
    void withReturnsANewValidatedSet() {
        Options defaults = Options.defaults(PLUGIN, SPECS);
        Options changed = defaults.with("bottleneck", "16");

        assertThat(changed.getInt("bottleneck")).isEqualTo(16);
        assertThat(defaults.getInt("bottleneck")).isEqualTo(400);
        assertThat(changed).isNotEqualTo(defaults);
        assertThat(defaults.with("bottleneck", 400)).isEqualTo(defaults).hasSameHashCodeAs(defaults);
        assertThatThrownBy(() -> defaults.with("bottleneck", -1)).isInstanceOf(InvalidOptionException.class);
    }

    @Test
    void valuesAsTextKeepDeclarationOrder() {
        Map<String, String> text = Options.parse(PLUGIN, SPECS, "dropout=0.5").asStringMap();

        assertThat(text).containsExactly(
                Map.entry("bottleneck", "400"), Map.entry("dropout", "0.5"), Map.entry("layer-norm", "true"),
                Map.entry("activation", "relu"), Map.entry("note", "none"));
    }

    @Test
    void aPluginDeclaringAnOptionTwiceIsReported() {
        List<OptionSpec> twice = List.of(
                OptionSpec.flag("layer-norm", true, "a"), OptionSpec.flag("layer-norm", false, "b"));

        assertThatThrownBy(() -> Options.defaults(PLUGIN, twice))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("Plugin 'test-method' declares option 'layer-norm' twice");
    }

    @Test
    void badDeclarationsFailAtConstruction() {
        assertThatThrownBy(() -> OptionSpec.integer("Bottleneck", 1, Range.atLeast(1), "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be lower-case kebab");
        assertThatThrownBy(() -> OptionSpec.choice("activation", "swish", List.of("relu"), "x"))
                .hasMessageContaining("Default 'swish' of option 'activation' is not one of [relu]");
        assertThatThrownBy(() -> OptionSpec.integer("bottleneck", 0, Range.atLeast(1), "x"))
                .hasMessageContaining("Default 0 of option 'bottleneck' is outside [1, inf)");
    }

    @Test
    void describesValidValuesInWords() {
        assertThat(SPECS).extracting(OptionSpec::describeValidValues).containsExactly(
                "an integer in [1, inf)", "a number in [0, 1)", "true or false",
                "one of relu, tanh, gelu, sigmoid", "any text");
        assertThat(Range.closed(0.5, 2).toString()).isEqualTo("[0.5, 2]");
        assertThat(Range.greaterThan(0).toString()).isEqualTo("(0, inf)");
    }

    @Test
    void optionsOfAnotherPluginAreRefusedNamingBothPlugins() {
        Options options = Options.defaults(PLUGIN, SPECS);

        assertThat(options.requireFor(PLUGIN)).isSameAs(options);
        assertThatThrownBy(() -> options.requireFor("other-method"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Plugin 'other-method' was given options of plugin '" + PLUGIN + "'")
                .hasMessageContaining("parseOptions");
    }
}
