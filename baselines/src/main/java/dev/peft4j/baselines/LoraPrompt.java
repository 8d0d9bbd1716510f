package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptCreationContext;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The prompt source of {@code lora}: for every transformer layer {@code l} and target linear
 * layer {@code t}, factors {@code A (r, in)} and {@code B (out, r)}, named
 * {@code layer<l>.<t>.lora_A} and {@code layer<l>.<t>.lora_B} ({@code t} the target's id, e.g.
 * {@code layer0.query.lora_A}). The update is {@code Δ(x) = (alpha / r) · B A x}, with dropout on
 * {@code x} during training. Nothing is inserted at the input.
 */
public final class LoraPrompt extends AbstractPromptSource implements LowRankUpdate {

    private final int numLayers;
    private final int rank;
    private final double alpha;
    private final double dropout;
    private final Set<LinearTarget> targets;
    /** {@code [layer][target.ordinal()]}, null for targets not updated. */
    private final Parameter[][] a;
    private final Parameter[][] b;

    LoraPrompt(PromptCreationContext context, int rank, double alpha, double dropout, Set<LinearTarget> targets) {
        super((byte) 1, context.getPromptShape());
        this.numLayers = OwnParametersPlugin.requireLayers(context, LoraPlugin.ID);
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
        int d = context.getHiddenSize();
        int inner = context.getIntermediateSize();
        if (inner < 1 && (targets.contains(LinearTarget.INTERMEDIATE) || targets.contains(LinearTarget.OUTPUT))) {
            throw new PeftException("Method '" + LoraPlugin.ID + "' targets the feed-forward layers ("
                    + LinearTarget.INTERMEDIATE.id() + ", " + LinearTarget.OUTPUT.id() + ") but its creation context "
                    + "does not know their width; build the context with optIntermediateSize(...) or target only "
                    + LinearTarget.QUERY.id() + ", " + LinearTarget.KEY.id() + ", " + LinearTarget.VALUE.id() + ", "
                    + LinearTarget.ATTENTION_OUTPUT.id());
        }
        int count = LinearTarget.values().length;
        this.a = new Parameter[numLayers][count];
        this.b = new Parameter[numLayers][count];
        int k = 0;
        for (int layer = 0; layer < numLayers; layer++) {
            for (LinearTarget target : this.targets) {
                int in = target.inFeatures(d, inner);
                int out = target.outFeatures(d, inner);
                String name = "layer" + layer + "." + target.id();
                // PEFT's init: A kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)); B zero, so Δ starts at 0
                a[layer][target.ordinal()] = addParameter(OwnParametersPlugin.weight(name + ".lora_A",
                        new Shape(rank, in), OwnParametersPlugin.SeededInitializer.linear(
                                OwnParametersPlugin.parameterSeed(context.getSeed(), k++), in)));
                b[layer][target.ordinal()] = addParameter(OwnParametersPlugin.weight(name + ".lora_B",
                        new Shape(out, rank), new ConstantInitializer(0)));
            }
        }
    }

    /** The rank {@code r} of every update. */
    public int getRank() {
        return rank;
    }

    /** LoRA's {@code alpha}; the scale is {@code alpha / r}. */
    public double getAlpha() {
        return alpha;
    }

    /** The dropout rate on each update's input during training. */
    @Override
    public float getDropout() {
        return (float) dropout;
    }

    /** The number {@code L} of transformer layers with updates. */
    public int getNumLayers() {
        return numLayers;
    }

    @Override
    public Set<LinearTarget> getTargets() {
        return targets;
    }

    @Override
    public float getScale() {
        return (float) (alpha / rank);
    }

    @Override
    public NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target) {
        if (layer < 0 || layer >= numLayers || !targets.contains(target)) {
            throw new IllegalArgumentException("LoRA has no update for layer " + layer + ", target '" + target.id()
                    + "'; it updates layers 0 to " + (numLayers - 1) + " and targets "
                    + targets.stream().map(LinearTarget::id).collect(Collectors.joining(", ")));
        }
        // training = true: a copying store (another device) must attach gradients to the copies it hands out
        return new NDList(OwnParametersPlugin.value(parameterStore, a[layer][target.ordinal()], true),
                OwnParametersPlugin.value(parameterStore, b[layer][target.ordinal()], true));
    }

    @Override
    public NDArray computeDelta(ParameterStore parameterStore, int layer, LinearTarget target, NDArray input,
            boolean training) {
        NDArray x = training && dropout > 0 ? Dropout.dropout(input, (float) dropout, true).singletonOrThrow() : input;
        return LowRankUpdate.super.computeDelta(parameterStore, layer, target, x, training);
    }

    @Override
    public boolean insertsInputPrompt() {
        return false;
    }

    @Override
    protected NDArray apply(ParameterStore parameterStore, boolean training) {
        throw OwnParametersPlugin.nothingAtInput(this, "its low-rank updates with computeDelta(...)");
    }
}
