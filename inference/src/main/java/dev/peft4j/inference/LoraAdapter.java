package dev.peft4j.inference;

import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Trained LoRA factors in Hugging Face PEFT's {@code LORA} layout: for every transformer layer and
 * targeted linear layer, {@code A} of shape {@code (r, in)} and {@code B} of shape {@code (out, r)};
 * the layer computes {@code W x + b + s·B A x} with {@code s = alpha / r} ({@code alpha / sqrt(r)}
 * with rank-stabilized scaling).
 *
 * @param rank       {@code r}
 * @param alpha      PEFT's {@code lora_alpha}
 * @param rsLora     PEFT's {@code use_rslora}: the scale is {@code alpha / sqrt(r)}
 * @param dropout    the dropout on the update's input in training (recorded only; inference has none)
 * @param targets    the targeted linear layers, in {@link LinearTarget} order
 * @param numLayers  {@code L}
 * @param factors    one entry per layer and target, ordered by layer, then target
 * @param baseModel  the base model's Hub id or folder, or null
 */
public record LoraAdapter(int rank, float alpha, boolean rsLora, float dropout, List<LinearTarget> targets,
        int numLayers, List<Factors> factors, @Nullable String baseModel) implements LayerAdapter {

    /** PEFT's {@code peft_type}. */
    public static final String PEFT_TYPE = "LORA";

    /**
     * The factors of one linear layer in one transformer layer, row-major.
     *
     * @param layer  the transformer layer, from 0
     * @param target the linear layer
     * @param a      {@code A}, {@code (r, in)}
     * @param b      {@code B}, {@code (out, r)}
     */
    public record Factors(int layer, LinearTarget target, float[] a, float[] b) {

        /** Checks for nothing but non-null; {@link LoraAdapter} checks the shapes. */
        public Factors {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(a, "a");
            Objects.requireNonNull(b, "b");
        }
    }

    /**
     * Sorts targets and factors, and checks that there is exactly one entry per layer and target
     * and that every {@code A} and {@code B} is a multiple of {@code r} long.
     *
     * @throws ShapeMismatchException when not
     */
    public LoraAdapter {
        if (rank < 1 || numLayers < 1 || targets.isEmpty()) {
            throw new ShapeMismatchException("A LoRA adapter needs a positive rank, layers and targets; got rank " + rank
                    + ", " + numLayers + " layers, targets " + targets);
        }
        targets = List.copyOf(EnumSet.copyOf(targets));
        List<Factors> sorted = new ArrayList<>(factors);
        sorted.sort(Comparator.comparingInt(Factors::layer).thenComparing(Factors::target));
        if (sorted.size() != numLayers * targets.size()) {
            throw new ShapeMismatchException("A LoRA adapter of " + numLayers + " layers and targets " + targets
                    + " needs " + numLayers * targets.size() + " factor pairs, got " + sorted.size());
        }
        for (int i = 0; i < sorted.size(); i++) {
            Factors f = sorted.get(i);
            int layer = i / targets.size();
            LinearTarget target = targets.get(i % targets.size());
            if (f.layer() != layer || f.target() != target) {
                throw new ShapeMismatchException("A LoRA adapter misses the factors of layer " + layer + " "
                        + target.id() + " (found layer " + f.layer() + " " + f.target().id() + " instead)");
            }
            if (f.a().length == 0 || f.a().length % rank != 0 || f.b().length == 0 || f.b().length % rank != 0) {
                throw new ShapeMismatchException("The LoRA factors of layer " + layer + " " + target.id() + " hold "
                        + f.a().length + " and " + f.b().length + " values, not (r, in) and (out, r) with r " + rank);
            }
        }
        factors = List.copyOf(sorted);
    }

    /** The scale {@code s} of {@code B A}. */
    public float scale() {
        return (float) (rsLora ? alpha / Math.sqrt(rank) : (double) alpha / rank);
    }

    /**
     * The factors of {@code target} in {@code layer}.
     *
     * @throws IllegalArgumentException when the adapter does not target it
     */
    public Factors factors(int layer, LinearTarget target) {
        int index = targets.indexOf(target);
        if (index < 0 || layer < 0 || layer >= numLayers) {
            throw new IllegalArgumentException("This LoRA adapter has no factors for layer " + layer + " "
                    + target.id() + "; it targets " + targets + " in " + numLayers + " layers");
        }
        return factors.get(layer * targets.size() + index);
    }

    @Override
    public int hiddenSize() {
        Factors first = factors.get(0);
        // every target but the feed-forward output reads the model width
        return first.target() == LinearTarget.OUTPUT ? first.b().length / rank : first.a().length / rank;
    }

    @Override
    public String peftType() {
        return PEFT_TYPE;
    }

    @Override
    public LoraAdapter withBaseModel(@Nullable String baseModel) {
        return new LoraAdapter(rank, alpha, rsLora, dropout, targets, numLayers, factors, baseModel);
    }

    @Override
    public long parameterCount() {
        long count = 0;
        for (Factors f : factors) {
            count += f.a().length + f.b().length;
        }
        return count;
    }
}
