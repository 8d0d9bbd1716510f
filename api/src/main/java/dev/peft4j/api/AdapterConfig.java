package dev.peft4j.api;

import org.jspecify.annotations.Nullable;

/**
 * The fields of a Hugging Face PEFT {@code adapter_config.json} that a prompt adapter needs.
 * peft4j writes the fields of PEFT's {@code PromptTuningConfig}, so the folder loads in PEFT
 * with {@code PeftModel.from_pretrained}; it reads any prompt-tuning config and checks these.
 *
 * @param peftType             {@code PROMPT_TUNING} for prompt adapters
 * @param taskType             PEFT task type, e.g. {@code SEQ_CLS}, or null
 * @param numVirtualTokens     {@code n}
 * @param tokenDim             {@code d}
 * @param numLayers            the backbone's number of layers (informational)
 * @param numAttentionHeads    the backbone's number of heads (informational)
 * @param baseModelNameOrPath  the backbone, by name or folder, or null
 * @since 1.0
 */
public record AdapterConfig(
        String peftType,
        @Nullable String taskType,
        int numVirtualTokens,
        int tokenDim,
        int numLayers,
        int numAttentionHeads,
        @Nullable String baseModelNameOrPath) {

    /**
     * PEFT's name for prompt tuning adapters.
     *
     * @since 1.0
     */
    public static final String PROMPT_TUNING = "PROMPT_TUNING";

    /**
     * A prompt-tuning config for a sequence classifier on {@code baseModel}.
     *
     * @since 1.0
     */
    public static AdapterConfig promptTuning(
            PromptShape shape, int numLayers, int numAttentionHeads, @Nullable String baseModel) {
        return new AdapterConfig(PROMPT_TUNING, "SEQ_CLS", shape.length(), shape.width(), numLayers,
                numAttentionHeads, baseModel);
    }

    /**
     * The prompt shape this config declares.
     *
     * @since 1.0
     */
    public PromptShape promptShape() {
        return new PromptShape(numVirtualTokens, tokenDim);
    }
}
