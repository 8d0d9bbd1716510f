package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import java.util.List;

/**
 * Plain prompt tuning (Lester et al., "The Power of Scale for Parameter-Efficient Prompt
 * Tuning", EMNLP 2021): Φ is the identity, so only {@code P} (n·d values) is trained. No
 * options.
 */
public final class PromptTuningPlugin extends AbstractReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "prompt-tuning";

    /** Creates the plugin; ServiceLoader calls this. */
    public PromptTuningPlugin() {
        super(ID, "Plain prompt tuning: the model sees P itself (Lester et al. 2021)",
                new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR), List.of());
    }

    @Override
    protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
        return new Identity(shape);
    }

    /** Φ(P) = P, without parameters. */
    static final class Identity extends AbstractReparameterizer {
        Identity(PromptShape shape) {
            super((byte) 1, shape);
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
            // A view, not P itself: callers may close P' without closing the parameter.
            return prompt.reshape(prompt.getShape());
        }
    }
}
