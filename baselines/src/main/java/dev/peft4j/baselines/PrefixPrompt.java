package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.PromptCreationContext;

/**
 * The prompt source of the prefix methods ({@code prefix-tuning}, {@code residual-prefix}): key
 * and value vectors for every attention layer and nothing at the input. Its prompt shape
 * {@code (m, d)} records the prefix length {@code m} per layer and the width {@code d}.
 *
 * <p>Two layouts of the same values: {@link #computePrefix} gives {@code (L, 2, m, d)} (layer,
 * key/value, position, heads side by side), {@link #computePeftRows} gives Hugging Face PEFT's
 * {@code (m, L·2·d)} rows, in which value {@code [l, kv, i, c]} is row {@code i}, column
 * {@code (l·2 + kv)·d + c}: what a PEFT {@code PREFIX_TUNING} adapter saves as
 * {@code prompt_embeddings}.
 */
public abstract class PrefixPrompt extends AbstractPromptSource implements LayerPrefix {

    private final int numLayers;

    PrefixPrompt(PromptCreationContext context, String methodId) {
        super((byte) 1, context.getPromptShape());
        this.numLayers = OwnParametersPlugin.requireLayers(context, methodId);
    }

    /** The number {@code L} of layers with a prefix. */
    public final int getNumLayers() {
        return numLayers;
    }

    @Override
    public final int getPrefixLength() {
        return getPromptShape().length();
    }

    /** Nothing is inserted at the input: the prefix acts inside the layers. */
    @Override
    public final boolean insertsInputPrompt() {
        return false;
    }

    /**
     * The prefix in PEFT's row layout.
     *
     * @param parameterStore where parameter values are read from
     * @param training       whether dropout and other training-only behaviour apply
     * @return shape {@code (m, L·2·d)}
     */
    public abstract NDArray computePeftRows(ParameterStore parameterStore, boolean training);

    @Override
    public NDArray computePrefix(ParameterStore parameterStore, boolean training) {
        return LayerPrefix.fromPeftRows(computePeftRows(parameterStore, training), numLayers);
    }

    @Override
    protected final NDArray apply(ParameterStore parameterStore, boolean training) {
        throw OwnParametersPlugin.nothingAtInput(this, "its per-layer keys and values with computePrefix(...)");
    }
}
