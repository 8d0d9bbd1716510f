package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReparameterizerPluginTest {

    /** A plugin with one option whose Φ is the identity. */
    static final class WidthPlugin implements ReparameterizerPlugin {
        Options lastOptions = Options.defaults("width-test", List.of());

        @Override
        public String getId() {
            return "width-test";
        }

        @Override
        public String getDescription() {
            return "Test";
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
        }

        @Override
        public List<OptionSpec> getOptions() {
            return List.of(OptionSpec.integer("width", 8, Range.atLeast(1), "A width"));
        }

        @Override
        public Reparameterizer create(PromptShape shape, Options options) {
            lastOptions = options;
            return new SoftPromptTest.Identity(shape);
        }
    }

    @Test
    void createWithoutOptionsUsesTheDefaults() {
        WidthPlugin plugin = new WidthPlugin();

        Reparameterizer phi = plugin.create(new PromptShape(2, 3));

        assertThat(phi.getPromptShape()).isEqualTo(new PromptShape(2, 3));
        assertThat(plugin.lastOptions.getPluginId()).isEqualTo("width-test");
        assertThat(plugin.lastOptions.getInt("width")).isEqualTo(8);
    }

    @Test
    void parseOptionsValidatesAgainstTheDeclarations() {
        WidthPlugin plugin = new WidthPlugin();

        assertThat(plugin.parseOptions(Map.of("width", "16")).getInt("width")).isEqualTo(16);
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("widht", 3)))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Unknown option 'widht' for plugin 'width-test'. Did you mean 'width'?");
    }
}
