package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.jspecify.annotations.Nullable;

/**
 * A loaded, frozen T5: its {@link T5Model}, its {@link TextTokenizer} (when the folder has a
 * {@code tokenizer.json}) and the {@link NDManager} that owns the weights. Closing it frees the
 * weights and the tokenizer; blocks built on the model must not be used afterwards. Obtain it from
 * {@link Backbones#loadT5}.
 */
public final class T5Backbone implements AutoCloseable {

    private final String name;
    private final T5Model model;
    private final @Nullable TextTokenizer tokenizer;
    private final NDManager manager;

    T5Backbone(String name, T5Model model, @Nullable TextTokenizer tokenizer, NDManager manager) {
        this.name = name;
        this.model = model;
        this.tokenizer = tokenizer;
        this.manager = manager;
    }

    /** The folder it was loaded from. */
    public String getName() {
        return name;
    }

    /** The frozen encoder-decoder. */
    public T5Model getModel() {
        return model;
    }

    /**
     * The tokenizer of the folder's {@code tokenizer.json}: {@code encode} appends the end-of-sequence
     * token {@code </s>} as T5's post-processor does.
     *
     * @throws BackboneException when the folder had no {@code tokenizer.json}
     */
    public TextTokenizer getTokenizer() {
        if (tokenizer == null) {
            throw new BackboneException("The T5 folder " + name + " has no tokenizer.json, so texts cannot be "
                    + "tokenized. Save the model's fast tokenizer there (tokenizer.save_pretrained(folder) in Python).");
        }
        return tokenizer;
    }

    /** Whether the folder had a {@code tokenizer.json}. */
    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    /** The manager owning the weights; create per-step sub-managers from it. */
    public NDManager getManager() {
        return manager;
    }

    /** The device the weights live on. */
    public Device getDevice() {
        return manager.getDevice();
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
        return "T5Backbone(" + name + ", " + model.getConfig() + ", " + getDevice() + ")";
    }
}
