package dev.peft4j.residual;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.UniformInitializer;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.PromptShape;
import org.jspecify.annotations.Nullable;

/**
 * Φ of Residual Prompt Tuning. Parameters follow PyTorch's {@code nn.Linear} layout
 * ({@code weight (out, in)}); with {@code separate} each gets a leading token axis {@code n} and
 * the projections run as one batched matrix product rather than {@code n} small ones.
 */
final class ResidualPromptBlock extends AbstractReparameterizer {

    private static final byte VERSION = 1;
    /** PyTorch's {@code nn.LayerNorm} default. */
    private static final float LAYER_NORM_EPSILON = 1e-5f;

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

    ResidualPromptBlock(PromptShape shape, int bottleneck, String activation, boolean layerNorm, float dropout,
            boolean separate, boolean residual) {
        super(VERSION, shape);
        this.activation = activation;
        this.dropout = dropout;
        this.separate = separate;
        this.residual = residual;
        long n = shape.length();
        long d = shape.width();
        long m = bottleneck;
        downWeight = addParameter(uniform("down_weight", Parameter.Type.WEIGHT, shape(n, m, d), d));
        downBias = addParameter(uniform("down_bias", Parameter.Type.BIAS, shape(n, m), d));
        upWeight = addParameter(uniform("up_weight", Parameter.Type.WEIGHT, shape(n, d, m), m));
        upBias = addParameter(uniform("up_bias", Parameter.Type.BIAS, shape(n, d), m));
        gamma = layerNorm ? addParameter(constant("norm_gamma", Parameter.Type.GAMMA, shape(n, d), 1)) : null;
        beta = layerNorm ? addParameter(constant("norm_beta", Parameter.Type.BETA, shape(n, d), 0)) : null;
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
        hidden = activate(hidden);
        NDArray out = project(hidden, store.getValue(upWeight, device, training),
                store.getValue(upBias, device, training));
        if (training && dropout > 0) {
            out = Dropout.dropout(out, dropout, true).singletonOrThrow();
        }
        if (gamma != null && beta != null) {
            out = layerNorm(out, store.getValue(gamma, device, training), store.getValue(beta, device, training));
        }
        return residual ? out.add(prompt) : out;
    }

    /** {@code x · Wᵀ + b} per token: shared {@code W (out, in)}, or per-token {@code W (n, out, in)}. */
    private NDArray project(NDArray x, NDArray weight, NDArray bias) {
        if (!separate) {
            return Linear.linear(x, weight, bias).singletonOrThrow();
        }
        // (n, 1, in) x (n, in, out) -> (n, 1, out): one batched product for all tokens.
        return x.expandDims(1).matMul(weight.transpose(0, 2, 1)).squeeze(1).add(bias);
    }

    private NDArray activate(NDArray x) {
        return switch (activation) {
            case "relu" -> Activation.relu(x);
            case "tanh" -> Activation.tanh(x);
            case "gelu" -> Activation.gelu(x);
            case "sigmoid" -> Activation.sigmoid(x);
            default -> throw new IllegalStateException("Unknown activation '" + activation + "'");
        };
    }

    /** LayerNorm over the last axis (biased variance), then {@code gamma * x̂ + beta}. */
    private static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        NDArray centered = x.sub(x.mean(new int[] {-1}, true));
        NDArray variance = centered.square().mean(new int[] {-1}, true);
        return centered.div(variance.add(LAYER_NORM_EPSILON).sqrt()).mul(gamma).add(beta);
    }

    /** A weight or bias from {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}, PyTorch's {@code nn.Linear} default. */
    private static Parameter uniform(String name, Parameter.Type type, Shape shape, long fanIn) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optInitializer(new UniformInitializer((float) (1 / Math.sqrt(fanIn))))
                .build();
    }

    private static Parameter constant(String name, Parameter.Type type, Shape shape, float value) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optInitializer(new ConstantInitializer(value))
                .build();
    }

    @Override
    public String toString() {
        return "ResidualPromptBlock" + getPromptShape() + "(activation=" + activation + ", separate=" + separate
                + ", residual=" + residual + ", layerNorm=" + (gamma != null) + ", dropout=" + dropout + ")";
    }
}
