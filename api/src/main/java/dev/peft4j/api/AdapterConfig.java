package dev.peft4j.api;

import org.jspecify.annotations.Nullable;

/**
 * The fields of a Hugging Face PEFT {@code adapter_config.json} that a prompt adapter needs.
 * peft4j writes the fields of PEFT's {@code PromptTuningConfig} (peft {@code tuners/prompt_tuning/config.py},
 * with the fields of {@code PromptLearningConfig} and {@code PeftConfig} in {@code config.py}), so
 * the folder loads in PEFT with {@code PeftModel.from_pretrained} or
 * {@code AutoPeftModelForFeatureExtraction.from_pretrained}; it reads prompt-tuning and P-tuning
 * configs and checks these.
 *
 * @param peftType             {@code PROMPT_TUNING} or {@code P_TUNING}
 * @param taskType             PEFT task type, e.g. {@code FEATURE_EXTRACTION}, or null
 * @param numVirtualTokens     {@code n}
 * @param tokenDim             {@code d}
 * @param numLayers            the backbone's number of layers (informational)
 * @param numAttentionHeads    the backbone's number of heads (informational)
 * @param baseModelNameOrPath  the backbone's Hugging Face id or folder, or null
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
     * PEFT's name for P-tuning adapters; PEFT saves their prompt as {@code prompt_embeddings}
     * already passed through the prompt encoder, so peft4j reads it as {@code P'}.
     *
     * @since 1.1
     */
    public static final String P_TUNING = "P_TUNING";

    /**
     * The task type peft4j writes: PEFT loads it on a bare encoder ({@code AutoModel}) with no
     * task head, which is right because peft4j's head reads the {@code [CLS]} state directly and
     * has no transformers equivalent (BERT's sequence classifier reads the pooler's output).
     *
     * @since 1.1
     */
    public static final String FEATURE_EXTRACTION = "FEATURE_EXTRACTION";

    /**
     * The task type of a prompt for an encoder-decoder model (T5): PEFT loads it with
     * {@code PeftModelForSeq2SeqLM}, which prepends the prompt to the encoder input. Its prompt
     * table has {@code 2 * num_virtual_tokens} rows ({@code num_transformer_submodules} 2), of which
     * PEFT's forward uses the first {@code num_virtual_tokens}.
     *
     * @since 1.1
     */
    public static final String SEQ_2_SEQ_LM = "SEQ_2_SEQ_LM";

    /**
     * A prompt-tuning config ({@link #SEQ_2_SEQ_LM}) for an encoder-decoder {@code baseModel} (its
     * Hugging Face id or folder), as PEFT writes one for T5.
     *
     * @since 1.1
     */
    public static AdapterConfig promptTuningSeq2Seq(
            PromptShape shape, int numLayers, int numAttentionHeads, @Nullable String baseModel) {
        return new AdapterConfig(PROMPT_TUNING, SEQ_2_SEQ_LM, shape.length(), shape.width(), numLayers,
                numAttentionHeads, baseModel);
    }

    /**
     * PEFT's {@code num_transformer_submodules}: 2 for {@link #SEQ_2_SEQ_LM} (the saved prompt
     * table has twice {@code num_virtual_tokens} rows), 1 otherwise, as PEFT derives it from the
     * task type.
     *
     * @since 1.1
     */
    public int transformerSubmodules() {
        return SEQ_2_SEQ_LM.equals(taskType) ? 2 : 1;
    }

    /**
     * A prompt-tuning config ({@link #FEATURE_EXTRACTION}) on {@code baseModel}, its Hugging Face id
     * or folder.
     *
     * @since 1.0
     */
    public static AdapterConfig promptTuning(
            PromptShape shape, int numLayers, int numAttentionHeads, @Nullable String baseModel) {
        return new AdapterConfig(PROMPT_TUNING, FEATURE_EXTRACTION, shape.length(), shape.width(), numLayers,
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
