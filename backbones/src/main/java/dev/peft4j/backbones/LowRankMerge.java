package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.peft4j.api.LowRankUpdate;
import java.util.List;
import java.util.function.Consumer;

/**
 * A low-rank update merged into an encoder's frozen weights ({@link BertEncoder#mergeLowRank}):
 * while it is open the encoder computes {@code (W + s · B A) x} in its plain forward pass, at the
 * cost of no update at all. {@link #close()} writes the weights' saved original values back (a
 * copy, so they are restored bit for bit, not by subtracting the change again) and lets the
 * encoder take another merge. Closing twice does nothing.
 *
 * <pre>{@code
 * try (LowRankMerge merged = encoder.mergeLowRank(lora, new ParameterStore(manager, false))) {
 *     // serve with encoder.encode(...) or a PromptClassifier without the update
 * }
 * }</pre>
 */
public final class LowRankMerge implements AutoCloseable {

    private final LowRankUpdate update;
    private final List<NDArray> weights;
    private final List<NDArray> originals;
    private final Consumer<LowRankMerge> onClose;
    private boolean closed;

    LowRankMerge(LowRankUpdate update, List<NDArray> weights, List<NDArray> originals,
            Consumer<LowRankMerge> onClose) {
        this.update = update;
        this.weights = List.copyOf(weights);
        this.originals = List.copyOf(originals);
        this.onClose = onClose;
    }

    /** The merged update. */
    public LowRankUpdate getUpdate() {
        return update;
    }

    /** Whether the update is still in the weights. */
    public synchronized boolean isOpen() {
        return !closed;
    }

    /** Restores every changed weight to its value before the merge (bit-identical). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < weights.size(); i++) {
            // an indexed put writes into the weight's storage (set(Buffer) would replace it, cutting the
            // query, key and value parameters off the fused tensor the forward pass reads)
            weights.get(i).set(new NDIndex(":"), originals.get(i));
            originals.get(i).close();
        }
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "LowRankMerge(" + update.getClass().getSimpleName() + " on " + update.getTargets() + ", "
                + (closed ? "closed" : "open") + ")";
    }
}
