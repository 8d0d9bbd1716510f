package dev.peft4j.residual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.ShapeMismatchException;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Bad options and inputs fail with messages that say what was wrong and what is valid. */
class ResidualPromptOptionsTest {

    private final ResidualPromptPlugin plugin = new ResidualPromptPlugin();

    @Test
    void defaultsAreThePapers() {
        var options = plugin.parseOptions(Map.of());
        assertThat(options.asStringMap()).containsExactly(Map.entry("bottleneck", "400"),
                Map.entry("activation", "relu"), Map.entry("layer-norm", "true"), Map.entry("dropout", "0.0"),
                Map.entry("separate", "false"), Map.entry("residual", "true"));
    }

    @Test
    void bottleneckMustBePositive() {
        for (String bad : new String[] {"0", "-1"}) {
            assertThatThrownBy(() -> plugin.parseOptions(Map.of("bottleneck", bad)))
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("Option 'bottleneck' of plugin 'residual-prompt'")
                    .hasMessageContaining("value '" + bad + "'")
                    .hasMessageContaining("[1, inf)");
        }
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("bottleneck", "wide")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("is not an integer");
    }

    @Test
    void dropoutMustLieInZeroToOne() {
        for (String bad : new String[] {"1", "1.5", "-0.1"}) {
            assertThatThrownBy(() -> plugin.parseOptions(Map.of("dropout", bad)))
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("Option 'dropout' of plugin 'residual-prompt'")
                    .hasMessageContaining("outside the valid range [0, 1)");
        }
        assertThat(plugin.parseOptions(Map.of("dropout", "0.99")).getDouble("dropout")).isEqualTo(0.99);
    }

    @Test
    void unknownActivationListsTheChoices() {
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("activation", "gelu2")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Option 'activation' of plugin 'residual-prompt'")
                .hasMessageContaining("is not one of relu, tanh, gelu, sigmoid")
                .hasMessageContaining("Did you mean 'gelu'?");
    }

    @Test
    void misspeltOptionNameSuggestsTheRightOne() {
        assertThatThrownBy(() -> plugin.parseOptions(Map.of("botleneck", "8")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Unknown option 'botleneck' for plugin 'residual-prompt'")
                .hasMessageContaining("Did you mean 'bottleneck'?");
    }

    @Test
    void promptOfLengthZeroIsRejected() {
        assertThatThrownBy(() -> plugin.create(new PromptShape(0, 384)))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("Prompt length must be at least 1 virtual token, got 0");
    }

    @Test
    void promptOfAnotherWidthIsRejected() {
        Reparameterizer phi = plugin.create(new PromptShape(4, 8), plugin.parseOptions(Map.of("bottleneck", 3)));
        try (NDManager manager = NDManager.newBaseManager()) {
            phi.initialize(manager, DataType.FLOAT32, new PromptShape(4, 8).toShape());
            var store = new ParameterStore(manager, false);
            assertThatThrownBy(() -> phi.reparameterize(store, manager.zeros(new PromptShape(4, 16).toShape()), false))
                    .isInstanceOf(ShapeMismatchException.class)
                    .hasMessageContaining("created for prompts of shape (4, 8)")
                    .hasMessageContaining("has shape (4, 16)");
        }
    }

    @Test
    void isDiscoveredThroughServiceLoader() {
        assertThat(ServiceLoader.load(ReparameterizerPlugin.class).stream().map(p -> p.get().getId()))
                .contains(ResidualPromptPlugin.ID);
    }
}
