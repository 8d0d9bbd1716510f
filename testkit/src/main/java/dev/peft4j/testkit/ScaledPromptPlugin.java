package dev.peft4j.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Range;
import dev.peft4j.api.Reparameterizer;
import java.util.List;

/**
 * The smallest complete method plugin, id {@code scaled-prompt}: Φ(P) = scale·P with one decimal
 * option {@code scale} (default 1, above 0) and no parameters of its own. It is the template that
 * the README's "Writing a method plugin" describes, and the stand-in method for tests of
 * registries, plugin folders and host applications, so they need no real method on the class path.
 *
 * <p>It is deliberately not listed in this jar's {@code META-INF/services}: a test that wants it
 * discovered lists {@code dev.peft4j.testkit.ScaledPromptPlugin} in its own
 * {@code src/test/resources/META-INF/services/dev.peft4j.api.ReparameterizerPlugin}.
 */
public final class ScaledPromptPlugin extends AbstractReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "scaled-prompt";

    /** Creates the plugin; ServiceLoader calls this. */
    public ScaledPromptPlugin() {
        // new ApiVersion(MAJOR, MINOR) here, not ApiVersion.CURRENT: the compiler records the version built against.
        super(ID, "Example method: the prompt times a constant factor", new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR),
                List.of(OptionSpec.decimal("scale", 1.0, Range.greaterThan(0), "Factor applied to every prompt value")));
    }

    @Override
    protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
        return new Scaled(shape, options.getDouble("scale"));
    }

    /**
     * Φ(P) = scale·P for prompts of {@code shape}, without a plugin around it, e.g. for a test
     * plugin that needs some valid reparameterizer.
     */
    public static Reparameterizer scaled(PromptShape shape, double scale) {
        return new Scaled(shape, scale);
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
