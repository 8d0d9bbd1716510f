package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.PromptShape;

/** Φ = identity: plain prompt tuning, for tests (the real plugins live in other modules). */
final class IdentityReparameterizer extends AbstractReparameterizer {

    IdentityReparameterizer(PromptShape shape) {
        super((byte) 1, shape);
    }

    @Override
    protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
        return prompt;
    }
}
