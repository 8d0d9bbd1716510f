package dev.peft4j.inference;

import org.jspecify.annotations.Nullable;

/**
 * A trained method that acts inside the encoder's layers rather than at its input, in the form a
 * Hugging Face PEFT adapter folder holds it: a prefix-tuning prefix ({@link PrefixTuningAdapter},
 * {@code peft_type} {@code PREFIX_TUNING}) or LoRA factors ({@link LoraAdapter}, {@code LORA}).
 * {@link LayerAdapterFiles} writes and reads the folders.
 */
public sealed interface LayerAdapter permits PrefixTuningAdapter, LoraAdapter {

    /** PEFT's {@code peft_type}: {@code PREFIX_TUNING} or {@code LORA}. */
    String peftType();

    /** The number of transformer layers the adapter is for. */
    int numLayers();

    /** The model width {@code d} the adapter is for. */
    int hiddenSize();

    /** The base model's Hub id or folder, as PEFT records it ({@code base_model_name_or_path}), or null. */
    @Nullable String baseModel();

    /** This adapter with {@code baseModel} as its base model. */
    LayerAdapter withBaseModel(@Nullable String baseModel);

    /** The number of values the adapter holds (what inference adds to the frozen model). */
    long parameterCount();
}
