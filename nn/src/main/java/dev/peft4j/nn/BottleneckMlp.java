package dev.peft4j.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Range;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The bottleneck MLP of Residual Prompt Tuning and of its ablation without skip connection:
 *
 * <pre>    Φ(x) = LayerNorm(W_up · act(W_down · x + b_down) + b_up) [+ x]</pre>
 *
 * <p>with optional dropout after the up-projection (training only), optional LayerNorm and the
 * optional skip connection after the LayerNorm. Parameters follow PyTorch's {@code nn.Linear}
 * layout ({@code weight (out, in)}) and initialization ({@link Layers#uniform}); with
 * {@code separate} each gets a leading token axis {@code n} and the projections run as one
 * batched matrix product rather than {@code n} small ones.
 */
public final class BottleneckMlp extends AbstractReparameterizer {

    /**
     * The options of every method built on this block: {@code bottleneck}, {@code activation},
     * {@code layer-norm} and {@code dropout}; {@link #fromOptions} reads them.
     */
    public static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.integer("bottleneck", 400, Range.atLeast(1), "Width m of the MLP's hidden layer"),
            OptionSpec.choice("activation", "relu", Layers.ACTIVATIONS, "Activation between the two projections"),
            OptionSpec.flag("layer-norm", true, "Apply LayerNorm over the width d after the up-projection"),
            OptionSpec.decimal("dropout", 0.0, Range.closedOpen(0, 1),
                    "Dropout rate after the up-projection, during training only"));

    // Saved parameter files carry this byte; both methods that used this block before it moved here wrote 1.
    private static final byte VERSION = 1;

    private final String activation;
    private final float dropout;
    private final boolean separate;
    private final boolean residual;
    private final Parameter downWeight;
    private final Parameter downBias;
    private final Parameter upWeight;
    private final Parameter upBias;
    private final @Nullable Parameter gamma;
    private final @Nullable Parameter beta;

    private BottleneckMlp(Builder builder) {
        super(VERSION, builder.shape);
        this.activation = builder.activation;
        this.dropout = builder.dropout;
        this.separate = builder.separate;
        this.residual = builder.residual;
        long n = builder.shape.length();
        long d = builder.shape.width();
        long m = builder.bottleneck;
        downWeight = addParameter(Layers.uniform("down_weight", Parameter.Type.WEIGHT, shape(n, m, d), d));
        downBias = addParameter(Layers.uniform("down_bias", Parameter.Type.BIAS, shape(n, m), d));
        upWeight = addParameter(Layers.uniform("up_weight", Parameter.Type.WEIGHT, shape(n, d, m), m));
        upBias = addParameter(Layers.uniform("up_bias", Parameter.Type.BIAS, shape(n, d), m));
        boolean layerNorm = builder.layerNorm;
        gamma = layerNorm ? addParameter(Layers.constant("norm_gamma", Parameter.Type.GAMMA, shape(n, d), 1)) : null;
        beta = layerNorm ? addParameter(Layers.constant("norm_beta", Parameter.Type.BETA, shape(n, d), 0)) : null;
    }

    /** A builder for prompts of {@code shape}; set the bottleneck width before building. */
    public static Builder builder(PromptShape shape) {
        return new Builder(shape);
    }

    /**
     * A builder for prompts of {@code shape} with {@code bottleneck}, {@code activation},
     * {@code layer-norm} and {@code dropout} read from {@code options}, which must declare
     * {@link #OPTIONS}.
     */
    public static Builder fromOptions(PromptShape shape, Options options) {
        return builder(shape)
                .setBottleneck(options.getInt("bottleneck"))
                .optActivation(options.getString("activation"))
                .optLayerNorm(options.getBoolean("layer-norm"))
                .optDropout((float) options.getDouble("dropout"));
    }

    /** {@code dims} with the token axis {@code n} in front when each token has its own MLP. */
    private Shape shape(long n, long... dims) {
        if (!separate) {
            return new Shape(dims);
        }
        long[] withTokens = new long[dims.length + 1];
        withTokens[0] = n;
        System.arraycopy(dims, 0, withTokens, 1, dims.length);
        return new Shape(withTokens);
    }

    @Override
    protected NDArray apply(ParameterStore store, NDArray prompt, boolean training) {
        Device device = prompt.getDevice();
        NDArray hidden = project(prompt, store.getValue(downWeight, device, training),
                store.getValue(downBias, device, training));
        hidden = Layers.activate(activation, hidden);
        NDArray out = project(hidden, store.getValue(upWeight, device, training),
                store.getValue(upBias, device, training));
        if (training && dropout > 0) {
            out = Dropout.dropout(out, dropout, true).singletonOrThrow();
        }
        if (gamma != null && beta != null) {
            out = Layers.layerNorm(out, store.getValue(gamma, device, training),
                    store.getValue(beta, device, training));
        }
        return residual ? out.add(prompt) : out;
    }

    /** {@code x · Wᵀ + b} per token: shared {@code W (out, in)}, or per-token {@code W (n, out, in)}. */
    private NDArray project(NDArray x, NDArray weight, NDArray bias) {
        if (!separate) {
            return Layers.linear(x, weight, bias);
        }
        // (n, 1, in) x (n, in, out) -> (n, 1, out): one batched product for all tokens.
        return x.expandDims(1).matMul(weight.transpose(0, 2, 1)).squeeze(1).add(bias);
    }

    @Override
    public String toString() {
        return "BottleneckMlp" + getPromptShape() + "(activation=" + activation + ", separate=" + separate
                + ", residual=" + residual + ", layerNorm=" + (gamma != null) + ", dropout=" + dropout + ")";
    }

    /** Settings of a {@link BottleneckMlp}: {@code set*} required, {@code opt*} optional (DJL's convention). */
    public static final class Builder {
        private final PromptShape shape;
        private int bottleneck;
        private String activation = "relu";
        private boolean layerNorm = true;
        private float dropout;
        private boolean separate;
        private boolean residual;

        private Builder(PromptShape shape) {
            this.shape = shape;
        }

        /** The hidden width {@code m} (required, at least 1). */
        public Builder setBottleneck(int bottleneck) {
            this.bottleneck = bottleneck;
            return this;
        }

        /** One of {@link Layers#ACTIVATIONS}; default relu. */
        public Builder optActivation(String activation) {
            this.activation = activation;
            return this;
        }

        /** LayerNorm over {@code d} after the up-projection; default true. */
        public Builder optLayerNorm(boolean layerNorm) {
            this.layerNorm = layerNorm;
            return this;
        }

        /** Dropout rate in {@code [0, 1)} after the up-projection, training only; default 0. */
        public Builder optDropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        /** One MLP per prompt token instead of one shared by all; default false. */
        public Builder optSeparate(boolean separate) {
            this.separate = separate;
            return this;
        }

        /** Add the skip connection {@code + x} after the LayerNorm; default false. */
        public Builder optResidual(boolean residual) {
            this.residual = residual;
            return this;
        }

        /**
         * The block.
         *
         * @throws IllegalArgumentException for a bottleneck below 1, an unknown activation or a
         *     dropout rate outside {@code [0, 1)}
         */
        public BottleneckMlp build() {
            if (bottleneck < 1) {
                throw new IllegalArgumentException("BottleneckMlp: bottleneck " + bottleneck
                        + " is not a width; call setBottleneck with a value of at least 1");
            }
            if (!Layers.ACTIVATIONS.contains(activation)) {
                throw new IllegalArgumentException("BottleneckMlp: unknown activation '" + activation + "'; use one of "
                        + Layers.ACTIVATIONS);
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException("BottleneckMlp: dropout " + dropout + " is outside [0, 1)");
            }
            return new BottleneckMlp(this);
        }
    }
}
