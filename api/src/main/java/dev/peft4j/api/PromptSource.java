package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A prompt method that creates and owns all its parameters: a DJL {@link Block} whose forward
 * pass (no inputs) yields the prompt {@code P'} of shape {@code (n, d)} the model sees. Whether
 * there is a trainable {@code P} at all is the method's choice: DPT, for instance, trains two
 * low-rank factors and never holds {@code P}. A plugin returns one from
 * {@link ReparameterizerPlugin#createPrompt}; the framework wraps it in a {@link SoftPrompt}.
 *
 * <p>A source that also implements {@link TextEmbeddingUpdate} adds a per-token update to the
 * input embeddings of the text as well.
 *
 * <p>Extend {@link AbstractPromptSource} rather than implementing this directly: it checks the
 * output shape and answers DJL's shape queries.
 *
 * @since 1.1
 */
public interface PromptSource extends Block {

    /**
     * The shape {@code (n, d)} of the prompt this source yields.
     *
     * @since 1.1
     */
    PromptShape getPromptShape();

    /**
     * Computes {@code P'}.
     *
     * @param parameterStore where parameter values are read from
     * @param training       whether dropout and other training-only behaviour apply
     * @return {@code P'}, shape {@code (n, d)}
     * @since 1.1
     */
    default NDArray computePrompt(ParameterStore parameterStore, boolean training) {
        return forward(parameterStore, new NDList(), training).singletonOrThrow();
    }

    /**
     * Whether {@link #computePrompt} yields vectors to insert among the input embeddings. A method
     * that acts only inside the layers ({@link LayerPrefix}, {@link LowRankUpdate}) returns
     * {@code false}: nothing is inserted at the input, {@code computePrompt} is not called, and
     * {@link #getPromptShape()} only records the run's prompt length (for prefix tuning its
     * number of prefix positions per layer).
     *
     * @since 1.2
     */
    default boolean insertsInputPrompt() {
        return true;
    }
}
