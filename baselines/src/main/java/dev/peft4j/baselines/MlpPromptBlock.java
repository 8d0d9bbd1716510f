package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.PromptShape;
import org.jspecify.annotations.Nullable;

/** {@code LayerNorm(W_up · act(W_down · x + b_down) + b_up)}, one MLP for all prompt tokens. */
final class MlpPromptBlock extends AbstractReparameterizer {

    private static final byte VERSION = 1;

    private final String activation;
    private final float dropout;
    private final Parameter downWeight;
    private final Parameter downBias;
    private final Parameter upWeight;
    private final Parameter upBias;
    private final @Nullable Parameter gamma;
    private final @Nullable Parameter beta;

    MlpPromptBlock(PromptShape shape, int bottleneck, String activation, boolean layerNorm, float dropout) {
        super(VERSION, shape);
        int d = shape.width();
        this.activation = activation;
        this.dropout = dropout;
        downWeight = addParameter(Layers.uniform("down_weight", Parameter.Type.WEIGHT, new Shape(bottleneck, d), d));
        downBias = addParameter(Layers.uniform("down_bias", Parameter.Type.BIAS, new Shape(bottleneck), d));
        upWeight = addParameter(Layers.uniform("up_weight", Parameter.Type.WEIGHT, new Shape(d, bottleneck), bottleneck));
        upBias = addParameter(Layers.uniform("up_bias", Parameter.Type.BIAS, new Shape(d), bottleneck));
        gamma = layerNorm ? addParameter(Layers.constant("norm_gamma", Parameter.Type.GAMMA, new Shape(d), 1)) : null;
        beta = layerNorm ? addParameter(Layers.constant("norm_beta", Parameter.Type.BETA, new Shape(d), 0)) : null;
    }

    @Override
    protected NDArray apply(ParameterStore store, NDArray prompt, boolean training) {
        var device = prompt.getDevice();
        NDArray hidden = Layers.activate(activation, Layers.linear(prompt,
                store.getValue(downWeight, device, training), store.getValue(downBias, device, training)));
        NDArray out = Layers.linear(hidden, store.getValue(upWeight, device, training),
                store.getValue(upBias, device, training));
        if (training && dropout > 0) {
            out = Dropout.dropout(out, dropout, true).singletonOrThrow();
        }
        if (gamma != null && beta != null) {
            out = Layers.layerNorm(out, store.getValue(gamma, device, training), store.getValue(beta, device, training));
        }
        return out;
    }
}
