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
 * <p>Since API 1.1 a soft prompt may instead wrap a method's own {@link PromptSource}
 * ({@link #create}, {@link Builder#setPromptSource}): then there is no framework-owned {@code P}
 * and no Φ, the source's parameters are the trainable ones, and a source that implements
 * {@link TextEmbeddingUpdate} also updates the text's input embeddings.
 *
 * @since 1.0
 */
public final class SoftPrompt extends AbstractBlock implements PromptSource {

    private static final byte VERSION = 1;

    private final PromptShape shape;
    private final @Nullable Parameter prompt;
    private final @Nullable Reparameterizer reparameterizer;
    private final @Nullable PromptSource source;

    private SoftPrompt(Builder builder) {
        super(VERSION);
        if (builder.source != null) {
            if (builder.reparameterizer != null) {
                throw new PeftException("SoftPrompt.builder(): set either a reparameterizer or a prompt source, not both");
            }
            this.source = addChildBlock("source", builder.source);
            this.shape = builder.source.getPromptShape();
            this.prompt = null;
            this.reparameterizer = null;
            return;
        }
        this.source = null;
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
     * Creates the prompt of {@code plugin} for {@code context}, the way the framework does:
     * refuses options parsed for another plugin (so no plugin has to check), asks the plugin
     * for its {@link ReparameterizerPlugin#createPrompt prompt}, and checks its shape.
     *
     * @throws InvalidOptionException when {@code options} were parsed for another plugin
     * @throws ShapeMismatchException when the plugin's prompt is not of the context's shape
     * @since 1.1
     */
    public static SoftPrompt create(ReparameterizerPlugin plugin, Options options, PromptCreationContext context) {
        options.requireFor(plugin.getId());
        PromptSource created = plugin.createPrompt(context, options);
        if (!created.getPromptShape().equals(context.getPromptShape())) {
            throw new ShapeMismatchException("Plugin '" + plugin.getId() + "' created a prompt of shape "
                    + created.getPromptShape() + " for a context of shape " + context.getPromptShape()
                    + "; a plugin must yield the shape its context gives");
        }
        return created instanceof SoftPrompt soft ? soft : builder().setPromptSource(created).build();
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
     * @throws PeftException for a method that owns its parameters ({@link #hasPromptParameter()} is false)
     * @since 1.0
     */
    public Parameter getPromptParameter() {
        if (prompt == null) {
            throw new PeftException(this + " has no framework-owned P: its method owns its parameters; "
                    + "read them with getParameters()");
        }
        return prompt;
    }

    /**
     * Φ.
     *
     * @throws PeftException for a method that owns its parameters ({@link #hasPromptParameter()} is false)
     * @since 1.0
     */
    public Reparameterizer getReparameterizer() {
        if (reparameterizer == null) {
            throw new PeftException(this + " has no reparameterizer: its method computes P' from its own parameters");
        }
        return reparameterizer;
    }

    /**
     * Whether this soft prompt holds a trainable {@code P} and Φ (a 1.0-style method); false for
     * a method's own {@link PromptSource}.
     *
     * @since 1.1
     */
    public boolean hasPromptParameter() {
        return prompt != null;
    }

    /**
     * The method's update of the text's input embeddings, or {@code null} when it has none.
     *
     * @since 1.1
     */
    public @Nullable TextEmbeddingUpdate getTextEmbeddingUpdate() {
        return source instanceof TextEmbeddingUpdate update ? update : null;
    }

    /**
     * The method's per-layer key/value prefix, or {@code null} when it has none.
     *
     * @since 1.2
     */
    public @Nullable LayerPrefix getLayerPrefix() {
        return source instanceof LayerPrefix prefix ? prefix : null;
    }

    /**
     * The method's low-rank update of linear layers, or {@code null} when it has none.
     *
     * @since 1.2
     */
    public @Nullable LowRankUpdate getLowRankUpdate() {
        return source instanceof LowRankUpdate update ? update : null;
    }

    /**
     * Whether this prompt inserts vectors at the input; false for a method that acts only inside
     * the layers ({@link PromptSource#insertsInputPrompt()}).
     *
     * @since 1.2
     */
    @Override
    public boolean insertsInputPrompt() {
        return source == null || source.insertsInputPrompt();
    }

    /**
     * The number of trainable values: {@code n·d} for {@code P} plus every parameter of Φ, or
     * every trainable parameter of the method's own source.
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
    @Override
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
        if (!insertsInputPrompt()) {
            throw new PeftException(this + " places nothing at the input, so there is no P' to export; "
                    + "export its layer prefix or low-rank update instead");
        }
        var parameters = getParameters();
        if (parameters.isEmpty()) {
            throw new IllegalStateException(this + " has no parameters to export from");
        }
        NDManager owner = parameters.valueAt(0).getArray().getManager();
        try (NDManager scratch = owner.newSubManager(); NDScope scope = new NDScope()) {
            NDArray value = computePrompt(new ParameterStore(scratch, false), false);
            return PromptEmbeddings.fromNDArray(value);
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        if (source != null) {
            return new NDList(source.computePrompt(parameterStore, training));
        }
        Parameter p = Objects.requireNonNull(prompt);
        NDArray value = parameterStore.getValue(p, p.getArray().getDevice(), training);
        return new NDList(Objects.requireNonNull(reparameterizer).reparameterize(parameterStore, value, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {shape.toShape()};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (source != null) {
            source.initialize(manager, dataType);
        } else {
            Objects.requireNonNull(reparameterizer).initialize(manager, dataType, shape.toShape());
        }
    }

    @Override
    public String toString() {
        Object inner = source != null ? source : Objects.requireNonNull(reparameterizer);
        return "SoftPrompt" + shape + " with " + inner.getClass().getSimpleName();
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
        private @Nullable PromptSource source;
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
         * A method's own prompt, instead of {@code P} and Φ: the soft prompt then holds no
         * {@code P}, and init, encoder and seed do not apply (the source drew its own values).
         *
         * @since 1.1
         */
        public Builder setPromptSource(PromptSource source) {
            this.source = Objects.requireNonNull(source, "source must not be null");
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
