package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.PromptShape;
import dev.peft4j.nn.Layers;

/** PEFT's MLP prompt encoder: {@code Linear(d, h) → ReLU → Linear(h, h) → ReLU → Linear(h, d)}. */
final class MlpPromptEncoder extends AbstractReparameterizer {

    private static final byte VERSION = 1;

    private final Parameter[] weights = new Parameter[3];
    private final Parameter[] biases = new Parameter[3];

    MlpPromptEncoder(PromptShape shape, int hidden) {
        super(VERSION, shape);
        int d = shape.width();
        int[] in = {d, hidden, hidden};
        int[] out = {hidden, hidden, d};
        for (int i = 0; i < 3; i++) {
            weights[i] = addParameter(Layers.uniform("mlp_" + (i + 1) + "_weight", Parameter.Type.WEIGHT,
                    new Shape(out[i], in[i]), in[i]));
            biases[i] = addParameter(Layers.uniform("mlp_" + (i + 1) + "_bias", Parameter.Type.BIAS,
                    new Shape(out[i]), in[i]));
        }
    }

    @Override
    protected NDArray apply(ParameterStore store, NDArray prompt, boolean training) {
        var device = prompt.getDevice();
        NDArray x = prompt;
        for (int i = 0; i < 3; i++) {
            x = Layers.linear(x, store.getValue(weights[i], device, training), store.getValue(biases[i], device, training));
            if (i < 2) {
                x = Activation.relu(x);
            }
        }
        return x;
    }
}
