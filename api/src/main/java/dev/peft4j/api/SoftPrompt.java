package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A trainable soft prompt: the parameter {@code P} of shape {@code (n, d)} and its
 * reparameterization Φ. Its forward pass (no inputs) yields {@code P' = Φ(P)}; gradients reach
 * {@code P} and every parameter of Φ. After training, {@link #export()} computes {@code P'} once;
 * Φ is not needed at inference.
 *
 * <pre>{@code
 * SoftPrompt prompt = SoftPrompt.builder()
 *         .setReparameterizer(plugin.create(new PromptShape(10, 384)))
 *         .optInit(PromptInit.sampledVocabulary())
 *         .optEncoder(encoder)
 *         .optSeed(42)
 *         .build();
 * prompt.initialize(manager, DataType.FLOAT32);
 * }</pre>
 *
 * @since 1.0
 */
public final class SoftPrompt extends AbstractBlock {

    private static final byte VERSION = 1;

    private final PromptShape shape;
    private final Parameter prompt;
    private final Reparameterizer reparameterizer;

    private SoftPrompt(Builder builder) {
        super(VERSION);
        Reparameterizer phi = Objects.requireNonNull(builder.reparameterizer,
                "SoftPrompt.builder(): setReparameterizer(...) is required");
        this.shape = phi.getPromptShape();
        PromptEmbeddings initial = builder.init.initialValues(shape, builder.encoder, builder.seed);
        this.prompt = addParameter(Parameter.builder()
                .setName("prompt")
                .setType(Parameter.Type.WEIGHT)
                .optShape(shape.toShape())
                .optInitializer(new ValuesInitializer(initial))
                .build());
        this.reparameterizer = addChildBlock("reparameterizer", phi);
    }

    /**
     * A builder; {@link Builder#setReparameterizer} is required.
     *
     * @since 1.0
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Initializes {@code P} with its init values and Φ with its own initializers.
     *
     * @since 1.0
     */
    public void initialize(NDManager manager, DataType dataType) {
        initialize(manager, dataType, new Shape[0]);
    }

    /**
     * The prompt shape {@code (n, d)}.
     *
     * @since 1.0
     */
    public PromptShape getPromptShape() {
        return shape;
    }

    /**
     * The trainable {@code P}.
     *
     * @since 1.0
     */
    public Parameter getPromptParameter() {
        return prompt;
    }

    /**
     * Φ.
     *
     * @since 1.0
     */
    public Reparameterizer getReparameterizer() {
        return reparameterizer;
    }

    /**
     * The number of trainable values: {@code n·d} for {@code P} plus every parameter of Φ.
     *
     * @throws IllegalStateException before {@link #initialize(NDManager, DataType)}
     * @since 1.0
     */
    public long getTrainableParameterCount() {
        if (!isInitialized()) {
            throw new IllegalStateException("Initialize the soft prompt before counting its parameters");
        }
        long count = 0;
        for (var entry : getParameters()) {
            if (entry.getValue().requiresGradient()) {
                count += entry.getValue().getArray().size();
            }
        }
        return count;
    }

    /**
     * Computes {@code P' = Φ(P)} with the given parameter store.
     *
     * @return {@code P'}, shape {@code (n, d)}
     * @since 1.0
     */
    public NDArray computePrompt(ParameterStore parameterStore, boolean training) {
        return forward(parameterStore, new NDList(), training).singletonOrThrow();
    }

    /**
     * Computes {@code P'} once in evaluation mode (no dropout) and copies it to the host. The
     * result is what inference uses; this soft prompt and its Φ can be discarded afterwards.
     *
     * @throws IllegalStateException before {@link #initialize(NDManager, DataType)}
     * @since 1.0
     */
    public PromptEmbeddings export() {
        if (!isInitialized()) {
            throw new IllegalStateException("Initialize (and train) the soft prompt before exporting it");
        }
        NDManager owner = prompt.getArray().getManager();
        try (NDManager scratch = owner.newSubManager(); NDScope scope = new NDScope()) {
            NDArray value = computePrompt(new ParameterStore(scratch, false), false);
            return PromptEmbeddings.fromNDArray(value);
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        NDArray p = parameterStore.getValue(prompt, prompt.getArray().getDevice(), training);
        return new NDList(reparameterizer.reparameterize(parameterStore, p, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {shape.toShape()};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        reparameterizer.initialize(manager, dataType, shape.toShape());
    }

    @Override
    public String toString() {
        return "SoftPrompt" + shape + " with " + reparameterizer.getClass().getSimpleName();
    }

    /** Fills {@code P} with precomputed initial values. */
    private record ValuesInitializer(PromptEmbeddings values) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return values.toNDArray(manager).toType(dataType, false);
        }
    }

    /**
     * Builds a {@link SoftPrompt}.
     *
     * @since 1.0
     */
    public static final class Builder {
        private @Nullable Reparameterizer reparameterizer;
        private PromptInit init = PromptInit.uniform();
        private @Nullable PromptableEncoder encoder;
        private long seed = 42;

        private Builder() {}

        /**
         * Φ, created by a plugin for the prompt shape; required.
         *
         * @since 1.0
         */
        public Builder setReparameterizer(Reparameterizer reparameterizer) {
            this.reparameterizer = Objects.requireNonNull(reparameterizer, "reparameterizer must not be null");
            return this;
        }

        /**
         * How {@code P} starts; default uniform in [-0.5, 0.5).
         *
         * @since 1.0
         */
        public Builder optInit(PromptInit init) {
            this.init = Objects.requireNonNull(init, "init must not be null");
            return this;
        }

        /**
         * The encoder whose vocabulary embeddings initialize {@code P}; needed by vocabulary and text init.
         *
         * @since 1.0
         */
        public Builder optEncoder(PromptableEncoder encoder) {
            this.encoder = Objects.requireNonNull(encoder, "encoder must not be null");
            return this;
        }

        /**
         * The seed of the prompt's initial values; default 42.
         *
         * @since 1.0
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the soft prompt (not yet initialized).
         *
         * @since 1.0
         */
        public SoftPrompt build() {
            return new SoftPrompt(this);
        }
    }
}
