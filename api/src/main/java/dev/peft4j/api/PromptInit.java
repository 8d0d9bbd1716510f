package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * How the trainable prompt {@code P} starts: embeddings of randomly sampled vocabulary tokens
 * (the paper's default), uniform noise, or the embeddings of a given text. All three are
 * deterministic in the seed.
 *
 * @since 1.0
 */
public sealed interface PromptInit {

    /**
     * Embeddings of token ids drawn uniformly from {@code [fromId, toId)} (clamped to the vocabulary).
     *
     * @since 1.0
     */
    record SampledVocabulary(int fromId, int toId) implements PromptInit {
        /**
         * Validates the id interval.
         *
         * @since 1.0
         */
        public SampledVocabulary {
            if (fromId < 0 || toId <= fromId) {
                throw new IllegalArgumentException(
                        "Token id interval [" + fromId + ", " + toId + ") is empty or negative");
            }
        }
    }

    /**
     * Independent values drawn uniformly from {@code [-bound, bound)}.
     *
     * @since 1.0
     */
    record Uniform(float bound) implements PromptInit {
        /**
         * Validates the bound.
         *
         * @since 1.0
         */
        public Uniform {
            if (!(bound > 0) || Float.isInfinite(bound)) {
                throw new IllegalArgumentException("Uniform init bound must be a positive finite number, got " + bound);
            }
        }
    }

    /**
     * Embeddings of the word pieces of {@code text}, repeated to fill the prompt and cut to length.
     *
     * @since 1.0
     */
    record Text(String text) implements PromptInit {
        /**
         * Validates the text.
         *
         * @since 1.0
         */
        public Text {
            if (text.isBlank()) {
                throw new IllegalArgumentException("Prompt init text must not be blank");
            }
        }
    }

    /**
     * Sampled vocabulary tokens, the paper's default: ids {@code [1996, 6996)}, which in BERT's
     * uncased vocabulary are the 5000 most frequent whole-word pieces (ids below are padding,
     * unused slots, special tokens and single characters), the analogue of Lester et al.'s
     * "5000 most common tokens".
     *
     * @since 1.0
     */
    static PromptInit sampledVocabulary() {
        return new SampledVocabulary(1996, 6996);
    }

    /**
     * Uniform in {@code [-0.5, 0.5)}, the paper's alternative.
     *
     * @since 1.0
     */
    static PromptInit uniform() {
        return new Uniform(0.5f);
    }

    /**
     * The embeddings of {@code text}.
     *
     * @since 1.0
     */
    static PromptInit text(String text) {
        return new Text(text);
    }

    /**
     * Computes the initial values of a prompt of {@code shape}.
     *
     * @param shape   the prompt shape
     * @param encoder where vocabulary embeddings come from; needed by all but {@link Uniform}
     * @param seed    the random seed
     * @throws PeftException when an encoder is needed but missing, or its width differs
     * @since 1.0
     */
    default PromptEmbeddings initialValues(PromptShape shape, @Nullable PromptableEncoder encoder, long seed) {
        Random random = new Random(seed);
        if (this instanceof Uniform u) {
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (random.nextFloat() * 2 - 1) * u.bound();
            }
            return new PromptEmbeddings(shape, values);
        }
        if (encoder == null) {
            throw new PeftException("Prompt init " + this + " reads vocabulary embeddings; pass the encoder, "
                    + "or use PromptInit.uniform()");
        }
        if (encoder.getHiddenSize() != shape.width()) {
            throw new ShapeMismatchException("The prompt has width " + shape.width() + " but the encoder has width "
                    + encoder.getHiddenSize() + ". Create the prompt with the encoder's hidden size.");
        }
        long[] ids = new long[shape.length()];
        if (this instanceof SampledVocabulary v) {
            int to = Math.min(v.toId(), encoder.getVocabularySize());
            int from = Math.min(v.fromId(), to - 1);
            for (int i = 0; i < ids.length; i++) {
                ids[i] = from + random.nextInt(to - from);
            }
        } else {
            Text t = (Text) this;
            long[] textIds = encoder.tokenIdsOf(t.text());
            if (textIds.length == 0) {
                throw new PeftException("Prompt init text '" + t.text() + "' has no tokens");
            }
            for (int i = 0; i < ids.length; i++) {
                ids[i] = textIds[i % textIds.length];
            }
        }
        NDArray table = encoder.getVocabularyEmbeddings();
        try (var manager = table.getManager().newSubManager()) {
            NDArray rows = table.get(new NDIndex("{}", manager.create(ids)));
            rows.attach(manager);
            return PromptEmbeddings.fromNDArray(rows);
        }
    }
}
