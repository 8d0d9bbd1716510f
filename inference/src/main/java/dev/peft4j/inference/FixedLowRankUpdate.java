package dev.peft4j.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * An exported LoRA adapter's factors as a frozen {@link LowRankUpdate}: no parameters, no
 * dropout applied (its rate is kept for a new export), the arrays on the manager given (freed with it).
 */
final class FixedLowRankUpdate implements LowRankUpdate {

    private final LoraAdapter adapter;
    private final Set<LinearTarget> targets;
    /** A then B of each entry of {@link LoraAdapter#factors()}, in its order. */
    private final List<NDList> factors;

    FixedLowRankUpdate(LoraAdapter adapter, NDManager manager) {
        this.adapter = adapter;
        this.targets = EnumSet.copyOf(adapter.targets());
        int r = adapter.rank();
        this.factors = adapter.factors().stream().map(f -> {
            NDArray a = manager.create(f.a(), new Shape(r, f.a().length / r));
            NDArray b = manager.create(f.b(), new Shape(f.b().length / r, r));
            return new NDList(a, b);
        }).toList();
    }

    @Override
    public Set<LinearTarget> getTargets() {
        return targets;
    }

    @Override
    public float getScale() {
        return adapter.scale();
    }

    @Override
    public float getDropout() {
        return adapter.dropout();
    }

    @Override
    public NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target) {
        int index = adapter.targets().indexOf(target);
        if (index < 0 || layer < 0 || layer >= adapter.numLayers()) {
            throw new IllegalArgumentException("The exported LoRA adapter has no factors for layer " + layer + " "
                    + target.id() + "; it targets " + adapter.targets() + " in " + adapter.numLayers() + " layers");
        }
        return factors.get(layer * adapter.targets().size() + index);
    }
}
