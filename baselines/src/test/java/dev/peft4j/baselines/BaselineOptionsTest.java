package dev.peft4j.baselines;

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
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Option errors and shape errors of the baselines say what was wrong and what is valid. */
class BaselineOptionsTest {

    @Test
    void allThreeAreDiscoveredThroughServiceLoader() {
        assertThat(ServiceLoader.load(ReparameterizerPlugin.class).stream().map(p -> p.get().getId()))
                .contains(PromptTuningPlugin.ID, MlpPromptPlugin.ID, PTuningPlugin.ID);
    }

    @Test
    void declaredOptions() {
        assertThat(new PromptTuningPlugin().getOptions()).isEmpty();
        assertThat(new MlpPromptPlugin().parseOptions(Map.of()).asStringMap()).containsExactly(
                Map.entry("bottleneck", "400"), Map.entry("activation", "relu"), Map.entry("layer-norm", "true"),
                Map.entry("dropout", "0.0"));
        assertThat(new PTuningPlugin().parseOptions(Map.of()).asStringMap()).containsExactly(
                Map.entry("encoder", "mlp"), Map.entry("hidden-size", "0"), Map.entry("lstm-layers", "2"),
                Map.entry("lstm-dropout", "0.0"));
    }

    @Test
    void mlpPromptBottleneckMustBePositive() {
        assertThatThrownBy(() -> new MlpPromptPlugin().parseOptions(Map.of("bottleneck", "0")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Option 'bottleneck' of plugin 'mlp-prompt': value '0' is outside the valid range [1, inf)");
    }

    @Test
    void mlpPromptDropoutMustLieInZeroToOne() {
        for (String bad : List.of("1", "1.0", "-0.5")) {
            assertThatThrownBy(() -> new MlpPromptPlugin().parseOptions(Map.of("dropout", bad)))
                    .isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("Option 'dropout' of plugin 'mlp-prompt'")
                    .hasMessageContaining("[0, 1)");
        }
    }

    @Test
    void mlpPromptUnknownActivationListsTheChoices() {
        assertThatThrownBy(() -> new MlpPromptPlugin().parseOptions(Map.of("activation", "tahn")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("is not one of relu, tanh, gelu, sigmoid")
                .hasMessageContaining("Did you mean 'tanh'?");
    }

    @Test
    void pTuningUnknownEncoderListsTheChoices() {
        assertThatThrownBy(() -> new PTuningPlugin().parseOptions(Map.of("encoder", "lstn")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Option 'encoder' of plugin 'p-tuning'")
                .hasMessageContaining("is not one of mlp, lstm")
                .hasMessageContaining("Did you mean 'lstm'?");
    }

    @Test
    void promptTuningTakesNoOptions() {
        assertThatThrownBy(() -> new PromptTuningPlugin().parseOptions(Map.of("bottleneck", "8")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Unknown option 'bottleneck' for plugin 'prompt-tuning'")
                .hasMessageContaining("Valid options: none");
    }

    @Test
    void promptOfLengthZeroIsRejected() {
        assertThatThrownBy(() -> new PTuningPlugin().create(new PromptShape(0, 16)))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("Prompt length must be at least 1 virtual token, got 0");
    }

    @Test
    void promptOfAnotherWidthIsRejectedByEveryBaseline() {
        for (ReparameterizerPlugin plugin : List.of(new PromptTuningPlugin(), new MlpPromptPlugin(),
                new PTuningPlugin())) {
            Reparameterizer phi = plugin.create(new PromptShape(3, 8));
            try (NDManager manager = NDManager.newBaseManager()) {
                phi.initialize(manager, DataType.FLOAT32, new PromptShape(3, 8).toShape());
                var store = new ParameterStore(manager, false);
                assertThatThrownBy(() -> phi.reparameterize(store, manager.zeros(new PromptShape(3, 12).toShape()), false))
                        .as(plugin.getId())
                        .isInstanceOf(ShapeMismatchException.class)
                        .hasMessageContaining("created for prompts of shape (3, 8)")
                        .hasMessageContaining("has shape (3, 12)");
            }
        }
    }
}
