package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a method may know when it creates its parameters: the prompt shape, read-only facts of
 * the frozen backbone (width, layers, attention heads, vocabulary and its word-embedding
 * matrix), the longest text the prompt will be used with, and the run's prompt init and seed.
 * The framework builds it; a plugin reads it in {@link ReparameterizerPlugin#createPrompt}.
 *
 * <pre>{@code
 * PromptCreationContext context = PromptCreationContext.builder(new PromptShape(10, 384))
 *         .optEncoder(encoder).optLayers(6, 12).optInit(PromptInit.sampledVocabulary()).optSeed(42).build();
 * SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(Map.of()), context);
 * }</pre>
 *
 * @since 1.1
 */
public final class PromptCreationContext {

    private final PromptShape shape;
    private final @Nullable PromptableEncoder encoder;
    private final @Nullable NDArray wordEmbeddings;
    private final int numLayers;
    private final int numAttentionHeads;
    private final int intermediateSize;
    private final int maxTextLength;
    private final PromptInit init;
    private final long seed;

    private PromptCreationContext(Builder builder) {
        this.shape = builder.shape;
        this.encoder = builder.encoder;
        this.wordEmbeddings = builder.encoder != null ? builder.encoder.getVocabularyEmbeddings()
                : builder.wordEmbeddings;
        this.numLayers = builder.numLayers;
        this.numAttentionHeads = builder.numAttentionHeads;
        this.intermediateSize = builder.intermediateSize;
        this.maxTextLength = builder.maxTextLength > 0 ? builder.maxTextLength
                : builder.encoder != null ? Math.max(1, builder.encoder.getMaxPositions() - shape.length()) : 0;
        this.init = builder.init;
        this.seed = builder.seed;
        if (wordEmbeddings != null) {
            var s = wordEmbeddings.getShape();
            if (s.dimension() != 2 || s.get(1) != shape.width()) {
                throw new ShapeMismatchException("The word-embedding matrix has shape " + s + " but prompts of shape "
                        + shape + " need (V, " + shape.width() + "). Create the prompt with the encoder's hidden size.");
            }
        }
    }

    /**
     * A builder for prompts of {@code shape}.
     *
     * @since 1.1
     */
    public static Builder builder(PromptShape shape) {
        return new Builder(shape);
    }

    /**
     * The prompt shape {@code (n, d)} the method must yield.
     *
     * @since 1.1
     */
    public PromptShape getPromptShape() {
        return shape;
    }

    /**
     * The backbone's width {@code d}, equal to the prompt width.
     *
     * @since 1.1
     */
    public int getHiddenSize() {
        return shape.width();
    }

    /**
     * The backbone's number of layers, 0 when the context was built without one.
     *
     * @since 1.1
     */
    public int getNumLayers() {
        return numLayers;
    }

    /**
     * The backbone's number of attention heads, 0 when the context was built without one.
     *
     * @since 1.1
     */
    public int getNumAttentionHeads() {
        return numAttentionHeads;
    }

    /**
     * The width of the backbone's feed-forward layer (BERT's {@code intermediate_size}), 0 when
     * the context was built without it.
     *
     * @since 1.2
     */
    public int getIntermediateSize() {
        return intermediateSize;
    }

    /**
     * Whether the frozen word-embedding matrix is available ({@link #getWordEmbeddings()}).
     *
     * @since 1.1
     */
    public boolean hasWordEmbeddings() {
        return wordEmbeddings != null;
    }

    /**
     * The frozen word-embedding matrix, shape {@code (V, d)}, for vocabulary-based inits and
     * methods built on vocabulary embeddings. Owned by the backbone: read it, copy rows out of
     * it, never modify or close it.
     *
     * @throws PeftException when the context was built without a backbone
     * @since 1.1
     */
    public NDArray getWordEmbeddings() {
        if (wordEmbeddings == null) {
            throw new PeftException("This prompt creation context has no word-embedding matrix; build it with "
                    + "optEncoder(...) or optWordEmbeddings(...) for methods that read the vocabulary");
        }
        return wordEmbeddings;
    }

    /**
     * The vocabulary size {@code V}, 0 without a word-embedding matrix.
     *
     * @since 1.1
     */
    public int getVocabularySize() {
        return wordEmbeddings == null ? 0 : Math.toIntExact(wordEmbeddings.getShape().get(0));
    }

    /**
     * The most text tokens (special tokens included, prompt excluded) one input may have.
     *
     * @throws PeftException when the context does not know it
     * @since 1.1
     */
    public int getMaxTextLength() {
        if (maxTextLength < 1) {
            throw new PeftException("This prompt creation context does not know the longest text; build it with "
                    + "optMaxTextLength(...) or optEncoder(...)");
        }
        return maxTextLength;
    }

    /**
     * How the run asks prompts to start; a method may use it for its own parameters or ignore it.
     *
     * @since 1.1
     */
    public PromptInit getInit() {
        return init;
    }

    /**
     * The run's seed for initial values drawn outside the engine.
     *
     * @since 1.1
     */
    public long getSeed() {
        return seed;
    }

    /**
     * The encoder, when the context was built with one (text init needs its tokenizer).
     *
     * @since 1.1
     */
    public @Nullable PromptableEncoder getEncoder() {
        return encoder;
    }

    /**
     * The initial values of a prompt of {@link #getPromptShape()} drawn with {@link #getInit()}
     * and {@link #getSeed()}, as {@link SoftPrompt} starts {@code P}.
     *
     * @since 1.1
     */
    public PromptEmbeddings initialPrompt() {
        return init.initialValues(shape, encoder, seed);
    }

    @Override
    public String toString() {
        return "PromptCreationContext" + shape + " (layers " + numLayers + ", heads " + numAttentionHeads
                + ", intermediate " + intermediateSize + ", vocabulary " + getVocabularySize() + ", max text length " + maxTextLength + ")";
    }

    /**
     * Builds a {@link PromptCreationContext}.
     *
     * @since 1.1
     */
    public static final class Builder {
        private final PromptShape shape;
        private @Nullable PromptableEncoder encoder;
        private @Nullable NDArray wordEmbeddings;
        private int numLayers;
        private int numAttentionHeads;
        private int intermediateSize;
        private int maxTextLength;
        private PromptInit init = PromptInit.uniform();
        private long seed = 42;

        private Builder(PromptShape shape) {
            this.shape = Objects.requireNonNull(shape, "shape must not be null");
        }

        /**
         * The frozen encoder; gives the word embeddings, the vocabulary and, unless set, the
         * longest text (its positions minus the prompt length).
         *
         * @since 1.1
         */
        public Builder optEncoder(PromptableEncoder encoder) {
            this.encoder = Objects.requireNonNull(encoder, "encoder must not be null");
            return this;
        }

        /**
         * The backbone's number of layers and attention heads; unknown (0) unless set.
         *
         * @since 1.1
         */
        public Builder optLayers(int numLayers, int numAttentionHeads) {
            if (numLayers < 1 || numAttentionHeads < 1) {
                throw new IllegalArgumentException("Layers and attention heads must be at least 1, got "
                        + numLayers + " and " + numAttentionHeads);
            }
            this.numLayers = numLayers;
            this.numAttentionHeads = numAttentionHeads;
            return this;
        }

        /**
         * The width of the backbone's feed-forward layer; unknown (0) unless set.
         *
         * @since 1.2
         */
        public Builder optIntermediateSize(int intermediateSize) {
            if (intermediateSize < 1) {
                throw new IllegalArgumentException("The intermediate size must be at least 1, got " + intermediateSize);
            }
            this.intermediateSize = intermediateSize;
            return this;
        }

        /**
         * A word-embedding matrix {@code (V, d)} without an encoder, e.g. in tests.
         *
         * @since 1.1
         */
        public Builder optWordEmbeddings(NDArray wordEmbeddings) {
            this.wordEmbeddings = Objects.requireNonNull(wordEmbeddings, "wordEmbeddings must not be null");
            return this;
        }

        /**
         * The most text tokens one input may have, at least 1.
         *
         * @since 1.1
         */
        public Builder optMaxTextLength(int maxTextLength) {
            if (maxTextLength < 1) {
                throw new IllegalArgumentException("The longest text must have at least 1 token, got " + maxTextLength);
            }
            this.maxTextLength = maxTextLength;
            return this;
        }

        /**
         * How prompts start; default uniform in [-0.5, 0.5).
         *
         * @since 1.1
         */
        public Builder optInit(PromptInit init) {
            this.init = Objects.requireNonNull(init, "init must not be null");
            return this;
        }

        /**
         * The seed of initial values; default 42.
         *
         * @since 1.1
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Builds the context.
         *
         * @throws ShapeMismatchException when the word embeddings are not {@code (V, d)}
         * @since 1.1
         */
        public PromptCreationContext build() {
            return new PromptCreationContext(this);
        }
    }
}
