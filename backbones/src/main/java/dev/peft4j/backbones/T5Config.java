package dev.peft4j.backbones;

import dev.peft4j.api.PeftException;

/**
 * The shape of a T5 encoder-decoder, the fields of a Hugging Face T5 {@code config.json} that
 * matter here (T5 v1.0, v1.1 and flan-t5 share the layout; they differ in the feed-forward and in
 * whether the output layer is tied to the embeddings).
 *
 * @param vocabSize           rows of the shared embedding table ({@code vocab_size})
 * @param dModel              the model width {@code d} ({@code d_model})
 * @param dKv                 the width of one attention head ({@code d_kv}); heads times it need not be {@code d}
 * @param numHeads            attention heads per layer ({@code num_heads})
 * @param dFf                 width of the feed-forward layer ({@code d_ff})
 * @param numLayers           encoder blocks ({@code num_layers})
 * @param numDecoderLayers    decoder blocks ({@code num_decoder_layers}, default {@code num_layers})
 * @param numBuckets          relative-position buckets ({@code relative_attention_num_buckets})
 * @param maxDistance         the distance from which all positions share a bucket
 *                            ({@code relative_attention_max_distance}, default 128)
 * @param layerNormEps        RMS-norm epsilon ({@code layer_norm_epsilon})
 * @param feedForward         the feed-forward kind ({@code feed_forward_proj})
 * @param tieWordEmbeddings   whether the output layer is the shared embedding table, with the decoder
 *                            output scaled by {@code d^-0.5} first ({@code tie_word_embeddings}, default true)
 * @param decoderStartTokenId the first decoder input ({@code decoder_start_token_id}, the pad id 0)
 * @param eosTokenId          end of sequence ({@code eos_token_id}, 1)
 * @param maxPositions        the longest encoder input (prompt included) peft4j accepts
 *                            ({@code n_positions}, default 512); T5 has no absolute positions,
 *                            this only bounds memory
 */
public record T5Config(
        int vocabSize,
        int dModel,
        int dKv,
        int numHeads,
        int dFf,
        int numLayers,
        int numDecoderLayers,
        int numBuckets,
        int maxDistance,
        float layerNormEps,
        FeedForward feedForward,
        boolean tieWordEmbeddings,
        int decoderStartTokenId,
        int eosTokenId,
        int maxPositions) {

    /** T5's feed-forward variants. */
    public enum FeedForward {
        /** T5 v1.0: {@code wo(relu(wi(x)))}. */
        RELU,
        /** T5 v1.1 and flan-t5: {@code wo(gelu_new(wi_0(x)) * wi_1(x))}, GELU in its tanh approximation. */
        GATED_GELU
    }

    /** Validates that every size is positive. */
    public T5Config {
        requirePositive("vocabSize", vocabSize);
        requirePositive("dModel", dModel);
        requirePositive("dKv", dKv);
        requirePositive("numHeads", numHeads);
        requirePositive("dFf", dFf);
        requirePositive("numLayers", numLayers);
        requirePositive("numDecoderLayers", numDecoderLayers);
        requirePositive("numBuckets", numBuckets);
        requirePositive("maxDistance", maxDistance);
        requirePositive("maxPositions", maxPositions);
        if (numBuckets % 2 != 0 || numBuckets < 4) {
            throw new PeftException("T5Config: relative_attention_num_buckets must be even and at least 4, got "
                    + numBuckets + "; check config.json");
        }
        if (!(layerNormEps > 0) || Float.isInfinite(layerNormEps)) {
            throw new PeftException("T5Config: layerNormEps must be a small positive number, got " + layerNormEps);
        }
        if (decoderStartTokenId < 0 || decoderStartTokenId >= vocabSize || eosTokenId < 0 || eosTokenId >= vocabSize) {
            throw new PeftException("T5Config: decoder_start_token_id " + decoderStartTokenId + " and eos_token_id "
                    + eosTokenId + " must be in the vocabulary of " + vocabSize + "; check config.json");
        }
    }

    /** The attention width, {@code numHeads * dKv}. */
    public int innerDim() {
        return numHeads * dKv;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new PeftException("T5Config: " + name + " must be positive, got " + value + "; check config.json");
        }
    }
}
