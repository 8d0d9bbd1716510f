package dev.peft4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Range;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/**
 * A stand-in method for the examples until the real ones are merged: Φ(P) = scale·P, with one
 * decimal option. Registered in this module's test {@code META-INF/services}.
 */
public final class ScaledPromptPlugin implements ReparameterizerPlugin {

    @Override
    public String getId() {
        return "scaled-prompt";
    }

    @Override
    public String getDescription() {
        return "Example method: the prompt times a constant factor";
    }

    @Override
    public ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public List<OptionSpec> getOptions() {
        return List.of(OptionSpec.decimal("scale", 1.0, Range.greaterThan(0), "Factor applied to every prompt value"));
    }

    @Override
    public Reparameterizer create(PromptShape shape, Options options) {
        return new Scaled(shape, options.getDouble("scale"));
    }

    /** Multiplies the prompt by a constant; it has no parameters of its own. */
    private static final class Scaled extends AbstractReparameterizer {
        private final double scale;

        Scaled(PromptShape shape, double scale) {
            super((byte) 1, shape);
            this.scale = scale;
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
            return prompt.mul(scale);
        }
    }
}
