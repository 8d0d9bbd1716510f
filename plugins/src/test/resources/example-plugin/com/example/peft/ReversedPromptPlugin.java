package com.example.peft;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/**
 * A third-party plugin, as someone outside peft4j would write it. The test compiles this source
 * into a jar and loads it from a plugin folder; it is never on the test class path.
 */
public final class ReversedPromptPlugin implements ReparameterizerPlugin {

    @Override
    public String getId() {
        return "reversed-prompt";
    }

    @Override
    public String getDescription() {
        return "Example third-party method: the prompt tokens in reverse order";
    }

    @Override
    public ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public List<OptionSpec> getOptions() {
        return List.of(OptionSpec.flag("reverse", true, "Whether to reverse the token order"));
    }

    @Override
    public Reparameterizer create(PromptShape shape, Options options) {
        return new Reversed(shape, options.getBoolean("reverse"));
    }

    private static final class Reversed extends AbstractReparameterizer {
        private final boolean reverse;

        Reversed(PromptShape shape, boolean reverse) {
            super((byte) 1, shape);
            this.reverse = reverse;
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
            return reverse ? prompt.flip(0) : prompt;
        }
    }
}
