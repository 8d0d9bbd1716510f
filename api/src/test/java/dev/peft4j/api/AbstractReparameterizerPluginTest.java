package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AbstractReparameterizerPluginTest {

    /** Records the options its factory receives; Φ is the identity. */
    static final class WidthPlugin extends AbstractReparameterizerPlugin {
        final List<Options> received = new ArrayList<>();

        WidthPlugin(List<OptionSpec> options) {
            super("width-test", "Test method", new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR), options);
        }

        @Override
        protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
            received.add(options);
            return new SoftPromptTest.Identity(shape);
        }
    }

    @Test
    void holdsWhatTheSubclassPassed() {
        List<OptionSpec> declared = new ArrayList<>(List.of(OptionSpec.integer("width", 8, Range.atLeast(1), "A width")));
        WidthPlugin plugin = new WidthPlugin(declared);
        declared.clear();

        assertThat(plugin.getId()).isEqualTo("width-test");
        assertThat(plugin.getDescription()).isEqualTo("Test method");
        assertThat(plugin.getApiVersion()).isEqualTo(ApiVersion.CURRENT);
        assertThat(plugin.getOptions()).as("a copy, not the caller's list").extracting(OptionSpec::name)
                .containsExactly("width");
    }

    @Test
    void createPassesOwnOptionsThroughAndRefusesAnotherPlugins() {
        WidthPlugin plugin = new WidthPlugin(List.of(OptionSpec.integer("width", 8, Range.atLeast(1), "A width")));
        Options own = plugin.parseOptions(Map.of("width", 3));

        Reparameterizer phi = plugin.create(new PromptShape(2, 4), own);

        assertThat(phi.getPromptShape()).isEqualTo(new PromptShape(2, 4));
        assertThat(plugin.received).containsExactly(own);
        Options foreign = Options.parse("other-method", plugin.getOptions(), Map.of("width", 3));
        assertThatThrownBy(() -> plugin.create(new PromptShape(2, 4), foreign))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'width-test'")
                .hasMessageContaining("'other-method'");
        assertThat(plugin.received).hasSize(1);
    }
}
