package dev.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.UniformInitializer;
import java.util.List;

/**
 * Parameters initialized as PyTorch initializes them, and the operations reparameterizers share,
 * so that a method ported from PyTorch starts from the same distributions and computes the same
 * function.
 */
public final class Layers {

    /** The activations the MLP reparameterizers offer, default first. */
    public static final List<String> ACTIVATIONS = List.of("relu", "tanh", "gelu", "sigmoid");

    /** PyTorch's {@code nn.LayerNorm} default epsilon. */
    public static final float LAYER_NORM_EPSILON = 1e-5f;

    private Layers() {}

    /**
     * A weight or bias drawn from {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}: PyTorch's
     * {@code nn.Linear} default (kaiming-uniform with {@code a = sqrt(5)} reduces to this bound)
     * and its {@code nn.LSTM} default with {@code fanIn} the hidden size.
     */
    public static Parameter uniform(String name, Parameter.Type type, Shape shape, long fanIn) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optInitializer(new UniformInitializer((float) (1 / Math.sqrt(fanIn))))
                .build();
    }

    /** A parameter filled with {@code value}, e.g. LayerNorm's gamma (1) and beta (0). */
    public static Parameter constant(String name, Parameter.Type type, Shape shape, float value) {
        return Parameter.builder()
                .setName(name)
                .setType(type)
                .optShape(shape)
                .optInitializer(new ConstantInitializer(value))
                .build();
    }

    /** {@code x · weightᵀ + bias} for {@code x (n, in)}, {@code weight (out, in)}, {@code bias (out)}. */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return Linear.linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * Applies one of {@link #ACTIVATIONS}; GELU is the exact (erf) form, PyTorch's default.
     *
     * @throws IllegalArgumentException for a name not in {@link #ACTIVATIONS}
     */
    public static NDArray activate(String activation, NDArray x) {
        return switch (activation) {
            case "relu" -> Activation.relu(x);
            case "tanh" -> Activation.tanh(x);
            case "gelu" -> Activation.gelu(x);
            case "sigmoid" -> Activation.sigmoid(x);
            default -> throw new IllegalArgumentException("Unknown activation '" + activation + "'; use one of "
                    + ACTIVATIONS);
        };
    }

    /**
     * LayerNorm over the last axis with biased variance and {@link #LAYER_NORM_EPSILON}, then
     * {@code gamma * x̂ + beta}; {@code gamma} and {@code beta} broadcast against {@code x}.
     */
    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        NDArray centered = x.sub(x.mean(new int[] {-1}, true));
        NDArray variance = centered.square().mean(new int[] {-1}, true);
        return centered.div(variance.add(LAYER_NORM_EPSILON).sqrt()).mul(gamma).add(beta);
    }
}
