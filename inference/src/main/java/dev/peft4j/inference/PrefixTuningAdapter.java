package dev.peft4j.inference;

import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.ShapeMismatchException;
import org.jspecify.annotations.Nullable;

/**
 * A trained per-layer key/value prefix in Hugging Face PEFT's {@code PREFIX_TUNING} layout: the
 * table PEFT saves as {@code prompt_embeddings}, shape {@code (m, L·2·d)}, where row {@code i}
 * holds for every layer {@code l} its key ({@code kv} 0) and value ({@code kv} 1) of prefix
 * position {@code i} at columns {@code (l·2 + kv)·d}, heads side by side (PEFT's
 * {@code PeftModel.get_prompt}). This is the computed prefix: a residual or reparameterized
 * method's MLP is already applied and dropped.
 *
 * @param prefix            the table, {@code (m, L·2·d)}
 * @param numLayers         {@code L}
 * @param numAttentionHeads the heads per layer (PEFT splits each {@code d} into them)
 * @param baseModel         the base model's Hub id or folder, or null
 */
public record PrefixTuningAdapter(PromptEmbeddings prefix, int numLayers, int numAttentionHeads,
        @Nullable String baseModel) implements LayerAdapter {

    /** PEFT's {@code peft_type}. */
    public static final String PEFT_TYPE = "PREFIX_TUNING";

    /**
     * Checks that the table splits into {@code L} layers of keys and values whose width the heads divide.
     *
     * @throws ShapeMismatchException when it does not
     */
    public PrefixTuningAdapter {
        int columns = prefix.shape().width();
        if (numLayers < 1 || numAttentionHeads < 1 || columns % (2 * numLayers) != 0
                || (columns / (2 * numLayers)) % numAttentionHeads != 0) {
            throw new ShapeMismatchException("A prefix-tuning table of shape " + prefix.shape() + " does not split into "
                    + numLayers + " layers of keys and values of " + numAttentionHeads + " heads; it must be (m, L*2*d) "
                    + "with d a multiple of the heads");
        }
    }

    /** {@code m}, the prefix positions per layer (PEFT's {@code num_virtual_tokens}). */
    public int prefixLength() {
        return prefix.shape().length();
    }

    /** {@code d}, the model width (PEFT's {@code token_dim}). */
    public int tokenDim() {
        return prefix.shape().width() / (2 * numLayers);
    }

    @Override
    public int hiddenSize() {
        return tokenDim();
    }

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public PrefixTuningAdapter withBaseModel(@Nullable String baseModel) {
        return new PrefixTuningAdapter(prefix, numLayers, numAttentionHeads, baseModel);
    }

    @Override
    public long parameterCount() {
        return prefix.values().length;
    }
}
