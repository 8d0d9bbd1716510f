package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.peft4j.api.PromptableEncoder;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A loaded, frozen backbone: its {@link BertEncoder} (or, for a T5 folder, its {@link T5Model}),
 * its {@link TextTokenizer} and the {@link NDManager} that owns the weights (on
 * {@link #getDevice()}). Closing it frees the weights and the tokenizer; blocks built on the
 * model must not be used afterwards.
 */
public final class Backbone implements AutoCloseable {

    private final String name;
    private final @Nullable BertEncoder encoder;
    private final @Nullable T5Model t5;
    private final @Nullable TextTokenizer tokenizer;
    private final NDManager manager;
    private final @Nullable MlmHead mlmHead;

    Backbone(String name, BertEncoder encoder, TextTokenizer tokenizer, NDManager manager) {
        this(name, encoder, tokenizer, manager, null);
    }

    Backbone(String name, BertEncoder encoder, TextTokenizer tokenizer, NDManager manager, @Nullable MlmHead mlmHead) {
        this.name = name;
        this.encoder = encoder;
        this.t5 = null;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.mlmHead = mlmHead;
    }

    /** A T5 backbone; its tokenizer is null when the folder has no {@code tokenizer.json}. */
    Backbone(String name, T5Model t5, @Nullable TextTokenizer tokenizer, NDManager manager) {
        this.name = name;
        this.encoder = null;
        this.t5 = t5;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.mlmHead = null;
    }

    /** The known name ({@code all-minilm-l6-v2}, ...) or the folder it was loaded from. */
    public String getName() {
        return name;
    }

    /**
     * The frozen BERT encoder.
     *
     * @throws BackboneException for a T5 backbone, which has {@link #getT5Model()} instead
     */
    public BertEncoder getEncoder() {
        if (encoder == null) {
            throw new BackboneException("The backbone " + name + " is a T5 encoder-decoder, not a BERT encoder: it "
                    + "classifies text to text (--head text-to-text, TextToTextClassifier); use getT5Model().");
        }
        return encoder;
    }

    /**
     * The frozen T5 encoder-decoder of a T5 folder, empty for BERT-family backbones.
     */
    public Optional<T5Model> getT5Model() {
        return Optional.ofNullable(t5);
    }

    /**
     * Whether this backbone is a T5 that classifies by generating label texts (text-to-text)
     * rather than a BERT encoder under a head.
     */
    public boolean isTextToText() {
        return t5 != null;
    }

    /**
     * The model a soft prompt is made for: the BERT encoder, or the T5 (whose encoder takes the prompt).
     */
    public PromptableEncoder getPromptableEncoder() {
        return t5 != null ? t5 : getEncoder();
    }

    /**
     * The masked-language-model head, for backbones whose weights include it
     * ({@code bert-base-uncased}); empty for the sentence-embedding models.
     */
    public Optional<MlmHead> getMlmHead() {
        return Optional.ofNullable(mlmHead);
    }

    /**
     * The backbone's tokenizer, limited to the encoder's positions. A T5 tokenizer's
     * {@code encode} appends {@code </s>} as T5's post-processor does.
     *
     * @throws BackboneException for a T5 folder without a {@code tokenizer.json}
     */
    public TextTokenizer getTokenizer() {
        if (tokenizer == null) {
            throw new BackboneException("The model folder " + name + " has no tokenizer.json, so texts cannot be "
                    + "tokenized. Save the model's fast tokenizer there (tokenizer.save_pretrained(folder) in Python).");
        }
        return tokenizer;
    }

    /** The manager owning the weights; create per-step sub-managers from it. */
    public NDManager getManager() {
        return manager;
    }

    /** The device the weights live on. */
    public Device getDevice() {
        return manager.getDevice();
    }

    /** The number of transformer layers. */
    public int getNumLayers() {
        return t5 != null ? t5.getConfig().numLayers() : getEncoder().getNumLayers();
    }

    /** The number of attention heads per layer. */
    public int getNumAttentionHeads() {
        return t5 != null ? t5.getConfig().numHeads() : getEncoder().getNumAttentionHeads();
    }

    /** The width of each layer's feed-forward expansion ({@code intermediate_size}, T5's {@code d_ff}). */
    public int getIntermediateSize() {
        return t5 != null ? t5.getConfig().dFf() : getEncoder().getConfig().intermediateSize();
    }

    /** Frees the weights and the tokenizer. */
    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
        manager.close();
    }

    @Override
    public String toString() {
        Object config = t5 != null ? t5.getConfig() : getEncoder().getConfig();
        return "Backbone(" + name + ", " + config + ", " + getDevice() + ")";
    }
}
