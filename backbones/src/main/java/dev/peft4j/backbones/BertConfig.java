package dev.peft4j.backbones;

import dev.peft4j.api.PeftException;

/**
 * The shape of a BERT encoder, the fields of a Hugging Face {@code config.json} that matter here.
 *
 * @param vocabSize        rows of the word-embedding table ({@code vocab_size})
 * @param hiddenSize       the model width {@code d} ({@code hidden_size})
 * @param numLayers        transformer layers ({@code num_hidden_layers})
 * @param numHeads         attention heads per layer ({@code num_attention_heads}); divides {@code hiddenSize}
 * @param intermediateSize width of the feed-forward layer ({@code intermediate_size})
 * @param maxPositions     rows of the position-embedding table ({@code max_position_embeddings})
 * @param typeVocabSize    number of segments ({@code type_vocab_size})
 * @param layerNormEps     LayerNorm epsilon ({@code layer_norm_eps}; 1e-12 for BERT and MiniLM)
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int intermediateSize,
        int maxPositions,
        int typeVocabSize,
        float layerNormEps) {

    /** Validates that every size is positive and the heads divide the width. */
    public BertConfig {
        requirePositive("vocabSize", vocabSize);
        requirePositive("hiddenSize", hiddenSize);
        requirePositive("numLayers", numLayers);
        requirePositive("numHeads", numHeads);
        requirePositive("intermediateSize", intermediateSize);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        if (hiddenSize % numHeads != 0) {
            throw new PeftException("BertConfig: hiddenSize " + hiddenSize + " is not a multiple of numHeads "
                    + numHeads + "; check hidden_size and num_attention_heads in config.json");
        }
        if (!(layerNormEps > 0) || Float.isInfinite(layerNormEps)) {
            throw new PeftException("BertConfig: layerNormEps must be a small positive number, got " + layerNormEps);
        }
    }

    /** The width of one attention head, {@code hiddenSize / numHeads}. */
    public int headSize() {
        return hiddenSize / numHeads;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new PeftException("BertConfig: " + name + " must be positive, got " + value
                    + "; check config.json");
        }
    }
}
