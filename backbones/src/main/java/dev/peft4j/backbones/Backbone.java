package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A loaded, frozen backbone: its {@link BertEncoder}, its {@link TextTokenizer} and the
 * {@link NDManager} that owns the weights (on {@link #getDevice()}). Closing it frees the weights
 * and the tokenizer; blocks built on the encoder must not be used afterwards.
 */
public final class Backbone implements AutoCloseable {

    private final String name;
    private final BertEncoder encoder;
    private final TextTokenizer tokenizer;
    private final NDManager manager;
    private final @Nullable MlmHead mlmHead;

    Backbone(String name, BertEncoder encoder, TextTokenizer tokenizer, NDManager manager) {
        this(name, encoder, tokenizer, manager, null);
    }

    Backbone(String name, BertEncoder encoder, TextTokenizer tokenizer, NDManager manager, @Nullable MlmHead mlmHead) {
        this.name = name;
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.mlmHead = mlmHead;
    }

    /** The known name ({@code all-minilm-l6-v2}, ...) or the folder it was loaded from. */
    public String getName() {
        return name;
    }

    /** The frozen encoder. */
    public BertEncoder getEncoder() {
        return encoder;
    }

    /**
     * The masked-language-model head, for backbones whose weights include it
     * ({@code bert-base-uncased}); empty for the sentence-embedding models.
     */
    public Optional<MlmHead> getMlmHead() {
        return Optional.ofNullable(mlmHead);
    }

    /** The backbone's tokenizer, limited to the encoder's positions. */
    public TextTokenizer getTokenizer() {
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
        return encoder.getNumLayers();
    }

    /** The number of attention heads per layer. */
    public int getNumAttentionHeads() {
        return encoder.getNumAttentionHeads();
    }

    /** Frees the weights and the tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }

    @Override
    public String toString() {
        return "Backbone(" + name + ", " + encoder.getConfig() + ", " + getDevice() + ")";
    }
}
