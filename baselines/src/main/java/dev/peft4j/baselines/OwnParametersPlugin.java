package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;
import java.util.Random;

/**
 * Base of the baselines whose method owns its parameters (API 1.1): holds the fixed id,
 * description and options, and the small helpers their prompt sources share.
 */
abstract class OwnParametersPlugin implements ReparameterizerPlugin {

    private final String id;
    private final String description;
    private final List<OptionSpec> options;

    OwnParametersPlugin(String id, String description, List<OptionSpec> options) {
        this.id = id;
        this.description = description;
        this.options = List.copyOf(options);
    }

    @Override
    public final String getId() {
        return id;
    }

    @Override
    public final String getDescription() {
        return description;
    }

    @Override
    public final ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public final List<OptionSpec> getOptions() {
        return options;
    }

    @Override
    public abstract PromptSource createPrompt(PromptCreationContext context, dev.peft4j.api.Options options);

    /** A trainable weight of {@code shape} started by {@code initializer}. */
    static Parameter weight(String name, Shape shape, Initializer initializer) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape)
                .optInitializer(initializer).build();
    }

    /** A trainable bias of {@code shape} started by {@code initializer}. */
    static Parameter bias(String name, Shape shape, Initializer initializer) {
        return Parameter.builder().setName(name).setType(Parameter.Type.BIAS).optShape(shape)
                .optInitializer(initializer).build();
    }

    /** The value of {@code parameter} for this forward pass, on the parameter's own device. */
    static NDArray value(ParameterStore store, Parameter parameter, boolean training) {
        return store.getValue(parameter, parameter.getArray().getDevice(), training);
    }

    /**
     * Starts a parameter with values drawn in Java from {@code seed}: standard normal
     * ({@code bound == 0}, PyTorch's {@code nn.Embedding} default) or uniform in
     * {@code [-bound, bound)} (its {@code nn.Linear} default with {@code bound = 1/sqrt(fan_in)}).
     * Drawn here rather than by the engine so a run's seed alone fixes the start.
     */
    record SeededInitializer(long seed, double bound) implements Initializer {

        /** Standard normal values from {@code seed}. */
        static SeededInitializer normal(long seed) {
            return new SeededInitializer(seed, 0);
        }

        /** Uniform values in {@code [-1/sqrt(fanIn), 1/sqrt(fanIn))} from {@code seed}. */
        static SeededInitializer linear(long seed, long fanIn) {
            return new SeededInitializer(seed, 1 / Math.sqrt(fanIn));
        }

        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            Random random = new Random(seed);
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (bound == 0 ? random.nextGaussian() : (2 * random.nextDouble() - 1) * bound);
            }
            return manager.create(values, shape).toType(dataType, false);
        }
    }

    /** The seed of the {@code k}-th parameter a source draws from the run's {@code seed}. */
    static long parameterSeed(long seed, int k) {
        return seed * 1_000_003L + k;
    }

    /** The context's number of layers; a method acting inside the layers cannot start without it. */
    static int requireLayers(PromptCreationContext context, String methodId) {
        if (context.getNumLayers() < 1) {
            throw new PeftException("Method '" + methodId + "' acts inside every transformer layer but its creation "
                    + "context does not know how many there are; build the context with optLayers(layers, heads) "
                    + "(the harness does this from the backbone)");
        }
        return context.getNumLayers();
    }

    /** The refusal of {@code computePrompt} by a source that acts only inside the layers. */
    static PeftException nothingAtInput(PromptSource source, String readInstead) {
        return new PeftException(source.getClass().getSimpleName() + " places nothing at the input "
                + "(insertsInputPrompt() is false), so it has no P' to compute; read " + readInstead + " instead");
    }
}
