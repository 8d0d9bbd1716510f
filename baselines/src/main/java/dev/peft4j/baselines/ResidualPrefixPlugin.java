package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.PromptSource;
import dev.peft4j.nn.BottleneckMlp;

/**
 * Residual reparameterization (Razdaibiedina et al., "Residual Prompt Tuning", ACL Findings
 * 2023) applied to prefix vectors instead of input prompt vectors: a trainable {@code P} of
 * {@code L·2·m} rows of width {@code d}, one per layer, key/value and prefix position, passes
 * through the bottleneck MLP of {@code residual-prompt}, shared by all rows,
 *
 * <pre>    P' = LayerNorm(W_up · act(W_down · P + b_down) + b_up) + P</pre>
 *
 * <p>and {@code P'} row {@code (l·2 + kv)·m + i} is key ({@code kv = 0}) or value ({@code kv = 1})
 * {@code i} of layer {@code l}. Trainable values: {@code L·2·m·d + 2·d·b + b + 3·d} with
 * LayerNorm ({@code 2·d·b + b + d} without), {@code b} the bottleneck.
 *
 * <p>Init: {@code P} starts standard normal from the run's seed, as prefix tuning's table
 * ({@code prefix-tuning} without projection, PEFT's {@code nn.Embedding}), so the two methods
 * differ only by Φ; the run's prompt init does not apply because prefix vectors live in the
 * layers' key and value space, not in the word-embedding space it samples. Φ starts as in
 * {@code residual-prompt}: PyTorch's {@code nn.Linear} defaults, LayerNorm at gamma 1, beta 0.
 *
 * <p>Options: those of {@code mlp-prompt}: {@code bottleneck} (default 400), {@code activation}
 * (default relu), {@code layer-norm} (default true), {@code dropout} (default 0). The skip
 * connection is always on.
 */
public final class ResidualPrefixPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "residual-prefix";

    /** Creates the plugin; ServiceLoader calls this. */
    public ResidualPrefixPlugin() {
        super(ID, "Residual prefix: prefix-tuning vectors through Residual Prompt Tuning's shared "
                + "bottleneck MLP with LayerNorm and skip connection (after Razdaibiedina et al. 2023)",
                BottleneckMlp.OPTIONS);
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        return new ResidualPrefix(context, options);
    }

    /** {@code P' = Φ(P)} over {@code L·2·m} rows, reshaped to {@code (L, 2, m, d)}. */
    static final class ResidualPrefix extends PrefixPrompt {
        private final PromptShape rows;
        private final Parameter prefix;
        private final BottleneckMlp phi;

        ResidualPrefix(PromptCreationContext context, Options options) {
            super(context, ID);
            this.rows = new PromptShape(2 * getNumLayers() * getPrefixLength(), context.getHiddenSize());
            prefix = addParameter(weight("prefix", rows.toShape(),
                    SeededInitializer.normal(parameterSeed(context.getSeed(), 0))));
            phi = addChildBlock("phi", BottleneckMlp.fromOptions(rows, options).optResidual(true).build());
        }

        @Override
        public NDArray computePrefix(ParameterStore parameterStore, boolean training) {
            NDArray p = value(parameterStore, prefix, training);
            return phi.reparameterize(parameterStore, p, training)
                    .reshape(getNumLayers(), 2, getPrefixLength(), rows.width());
        }

        @Override
        public NDArray computePeftRows(ParameterStore parameterStore, boolean training) {
            return LayerPrefix.toPeftRows(computePrefix(parameterStore, training));
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            phi.initialize(manager, dataType, rows.toShape());
        }
    }
}
