package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PromptShape;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A test-only layer method: a trainable prefix {@code (L, 2, m, d)} (when {@code m > 0}) and
 * low-rank factors for the given targets (when any), all with seeded Gaussian values (B not zero,
 * so the update matters from the start). It inserts nothing at the input.
 */
final class LayerSource extends AbstractPromptSource implements LayerPrefix, LowRankUpdate {

    static final int RANK = 2;
    static final float SCALE = 0.75f;

    private final int prefixLength;
    private final Parameter prefix;
    private final Set<LinearTarget> targets;
    private final Map<Integer, Map<LinearTarget, Parameter[]>> factors = new HashMap<>();

    LayerSource(int prefixLength, Set<LinearTarget> targets, long seed) {
        super((byte) 1, new PromptShape(Math.max(prefixLength, 1), TinyBertFolder.HIDDEN));
        int layers = TinyBertFolder.LAYERS;
        int d = TinyBertFolder.HIDDEN;
        this.prefixLength = prefixLength;
        this.targets = targets.isEmpty() ? Set.of() : EnumSet.copyOf(targets);
        Random random = new Random(seed);
        this.prefix = prefixLength == 0 ? null : addParameter(parameter("prefix",
                new Shape(layers, 2, prefixLength, d), random.nextLong(), 1f));
        for (int l = 0; l < layers; l++) {
            Map<LinearTarget, Parameter[]> byTarget = new EnumMap<>(LinearTarget.class);
            for (LinearTarget target : this.targets) {
                int in = target.inFeatures(d, TinyBertFolder.INTERMEDIATE);
                int out = target.outFeatures(d, TinyBertFolder.INTERMEDIATE);
                String name = l + "_" + target.name().toLowerCase(java.util.Locale.ROOT);
                byTarget.put(target, new Parameter[] {
                    addParameter(parameter("a_" + name, new Shape(RANK, in), random.nextLong(), 0.5f)),
                    addParameter(parameter("b_" + name, new Shape(out, RANK), random.nextLong(), 0.5f))});
            }
            factors.put(l, byTarget);
        }
    }

    private static Parameter parameter(String name, Shape shape, long seed, float std) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape)
                .optInitializer(new Seeded(seed, std)).build();
    }

    /** Gaussian values from a Java seed, independent of the engine's random state. */
    private record Seeded(long seed, float std) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            Random random = new Random(seed);
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (random.nextGaussian() * std);
            }
            return manager.create(values, shape).toType(dataType, false);
        }
    }

    @Override
    public boolean insertsInputPrompt() {
        return false;
    }

    @Override
    protected NDArray apply(ParameterStore parameterStore, boolean training) {
        throw new IllegalStateException("a layer-only method has no input prompt to compute");
    }

    @Override
    public int getPrefixLength() {
        return prefixLength;
    }

    @Override
    public NDArray computePrefix(ParameterStore parameterStore, boolean training) {
        return parameterStore.getValue(prefix, prefix.getArray().getDevice(), training).mul(1);
    }

    @Override
    public Set<LinearTarget> getTargets() {
        return targets;
    }

    @Override
    public float getScale() {
        return SCALE;
    }

    @Override
    public NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target) {
        Parameter[] ab = factors.get(layer).get(target);
        return new NDList(parameterStore.getValue(ab[0], ab[0].getArray().getDevice(), true),
                parameterStore.getValue(ab[1], ab[1].getArray().getDevice(), true));
    }

    Parameter prefixParameter() {
        return prefix;
    }

    /** A and B of {@code target} in layer {@code layer}. */
    List<Parameter> factorParameters(int layer, LinearTarget target) {
        return List.of(factors.get(layer).get(target));
    }
}
