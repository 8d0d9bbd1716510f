package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import dev.peft4j.nn.Layers;
import java.util.List;

/**
 * Prefix tuning (Li and Liang, "Prefix-Tuning: Optimizing Continuous Prompts for Generation",
 * ACL 2021) and P-tuning v2 (Liu et al., ACL 2022), as Hugging Face PEFT's {@code PrefixEncoder}
 * computes it: {@code m} trainable key and value vectors prepended inside every attention layer,
 * nothing at the input. {@code m} is the run's prompt length.
 *
 * <p>Without projection (PEFT's default, P-tuning v2) the prefix is a trainable table of
 * {@code m} rows of {@code L·2·d} values in PEFT's row layout ({@link PrefixPrompt}), started
 * standard normal as {@code nn.Embedding}; {@code m·L·2·d} trainable values. With
 * {@code projection} (PEFT's {@code prefix_projection}, Li and Liang's reparameterization) an
 * embedding {@code (m, d)} passes through {@code Linear(d, h) → tanh → Linear(h, L·2·d)};
 * {@code m·d + d·h + h + h·L·2·d + L·2·d} trainable values. The embedding starts standard
 * normal and the linear layers as {@code nn.Linear}, {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}.
 * All values are drawn from the run's seed.
 *
 * <p>Options: {@code projection} (default false), {@code projection-hidden} ({@code h}, int ≥ 0,
 * default 0 = the model width {@code d}, PEFT's default {@code encoder_hidden_size}).
 */
public final class PrefixTuningPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "prefix-tuning";

    /** Creates the plugin; ServiceLoader calls this. */
    public PrefixTuningPlugin() {
        super(ID, "Prefix tuning / P-tuning v2: m trainable key and value vectors in every attention layer, "
                + "optionally through PEFT's tanh MLP (Li and Liang 2021; Liu et al. 2022)",
                List.of(OptionSpec.flag("projection", false,
                                "Compute the prefix with an embedding and a two-layer tanh MLP (PEFT's prefix_projection)"),
                        OptionSpec.integer("projection-hidden", 0, Range.atLeast(0),
                                "Hidden width h of the projection MLP; 0 = the model width d (PEFT's encoder_hidden_size)")));
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        if (!options.getBoolean("projection")) {
            return new PrefixTable(context);
        }
        int hidden = options.getInt("projection-hidden");
        return new ProjectedPrefix(context, hidden == 0 ? context.getHiddenSize() : hidden);
    }

    /** The prefix itself, stored in PEFT's row layout so an export is a plain copy. */
    static final class PrefixTable extends PrefixPrompt {
        private final Parameter embedding;

        PrefixTable(PromptCreationContext context) {
            super(context, ID);
            long width = 2L * getNumLayers() * context.getHiddenSize();
            embedding = addParameter(weight("embedding", new Shape(getPrefixLength(), width),
                    SeededInitializer.normal(parameterSeed(context.getSeed(), 0))));
        }

        @Override
        public NDArray computePeftRows(ParameterStore parameterStore, boolean training) {
            // a view, not the parameter itself: callers may close the result
            NDArray rows = value(parameterStore, embedding, training);
            return rows.reshape(rows.getShape());
        }
    }

    /** {@code Linear(h, L·2·d)(tanh(Linear(d, h)(E)))} for an embedding {@code E (m, d)}. */
    static final class ProjectedPrefix extends PrefixPrompt {
        private final Parameter embedding;
        private final Parameter hiddenWeight;
        private final Parameter hiddenBias;
        private final Parameter outWeight;
        private final Parameter outBias;

        ProjectedPrefix(PromptCreationContext context, int hidden) {
            super(context, ID);
            long d = context.getHiddenSize();
            long out = 2L * getNumLayers() * d;
            long seed = context.getSeed();
            embedding = addParameter(weight("embedding", new Shape(getPrefixLength(), d),
                    SeededInitializer.normal(parameterSeed(seed, 0))));
            hiddenWeight = addParameter(weight("hidden_weight", new Shape(hidden, d),
                    SeededInitializer.linear(parameterSeed(seed, 1), d)));
            hiddenBias = addParameter(bias("hidden_bias", new Shape(hidden),
                    SeededInitializer.linear(parameterSeed(seed, 2), d)));
            outWeight = addParameter(weight("out_weight", new Shape(out, hidden),
                    SeededInitializer.linear(parameterSeed(seed, 3), hidden)));
            outBias = addParameter(bias("out_bias", new Shape(out),
                    SeededInitializer.linear(parameterSeed(seed, 4), hidden)));
        }

        @Override
        public NDArray computePeftRows(ParameterStore parameterStore, boolean training) {
            NDArray hidden = Layers.linear(value(parameterStore, embedding, training),
                    value(parameterStore, hiddenWeight, training), value(parameterStore, hiddenBias, training));
            return Layers.linear(Layers.activate("tanh", hidden),
                    value(parameterStore, outWeight, training), value(parameterStore, outBias, training));
        }
    }
}
