package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * The reparameterization Φ of a soft prompt: a DJL {@link Block} that maps the trainable
 * prompt {@code P} of shape {@code (n, d)} to the prompt {@code P' = Φ(P)} of the same shape
 * that the model sees. Plain prompt tuning is the identity.
 *
 * <p>Extend {@link AbstractReparameterizer} rather than implementing this directly: it checks
 * shapes and answers DJL's shape queries.
 *
 * @since 1.0
 */
public interface Reparameterizer extends Block {

    /**
     * The prompt shape this instance was created for.
     *
     * @since 1.0
     */
    PromptShape getPromptShape();

    /**
     * Computes {@code Φ(prompt)}.
     *
     * @param parameterStore where parameter values are read from (DJL's training plumbing)
     * @param prompt         {@code P}, shape {@code (n, d)}
     * @param training       whether dropout and other training-only behaviour apply
     * @return {@code P'}, shape {@code (n, d)}
     * @since 1.0
     */
    default NDArray reparameterize(ParameterStore parameterStore, NDArray prompt, boolean training) {
        return forward(parameterStore, new NDList(prompt), training).singletonOrThrow();
    }
}
