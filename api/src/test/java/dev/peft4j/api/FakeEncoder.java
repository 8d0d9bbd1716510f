package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A tiny encoder for tests: a vocabulary of {@code V} tokens whose embedding row {@code i} is
 * {@code [i, i + 0.25, i + 0.5, ...]}, so a row tells which token it came from; encoding returns
 * the input embeddings unchanged.
 */
final class FakeEncoder extends AbstractBlock implements PromptableEncoder {

    /** Word-piece ids of the words the fake tokenizer knows; every other word is id 1. */
    static final Map<String, Long> WORDS = Map.of("great", 7L, "movie", 11L, "the", 2L);

    private final NDArray vocabulary;
    private final int vocabularySize;
    private final int hiddenSize;

    FakeEncoder(NDManager manager, int vocabularySize, int hiddenSize) {
        super((byte) 1);
        this.vocabularySize = vocabularySize;
        this.hiddenSize = hiddenSize;
        float[] table = new float[vocabularySize * hiddenSize];
        for (int i = 0; i < vocabularySize; i++) {
            for (int j = 0; j < hiddenSize; j++) {
                table[i * hiddenSize + j] = i + 0.25f * j;
            }
        }
        this.vocabulary = manager.create(table, new Shape(vocabularySize, hiddenSize));
    }

    /** The token id a row of {@link #getVocabularyEmbeddings()} came from. */
    static int tokenOf(float[] row) {
        return Math.round(row[0]);
    }

    @Override
    public int getHiddenSize() {
        return hiddenSize;
    }

    @Override
    public int getMaxPositions() {
        return 512;
    }

    @Override
    public int getVocabularySize() {
        return vocabularySize;
    }

    @Override
    public NDArray embedTokens(ParameterStore parameterStore, NDArray tokenIds) {
        Shape shape = tokenIds.getShape();
        return vocabulary.get(new NDIndex("{}", tokenIds.flatten())).reshape(shape.get(0), shape.get(1), hiddenSize);
    }

    @Override
    public NDArray encode(ParameterStore parameterStore, NDArray inputEmbeddings, NDArray attentionMask,
            NDArray tokenTypeIds, boolean training) {
        return inputEmbeddings;
    }

    @Override
    public NDArray getVocabularyEmbeddings() {
        return vocabulary;
    }

    @Override
    public long[] tokenIdsOf(String text) {
        return Arrays.stream(text.toLowerCase(Locale.ROOT).split("\\W+"))
                .filter(word -> !word.isEmpty())
                .mapToLong(word -> WORDS.getOrDefault(word, 1L))
                .toArray();
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            @Nullable PairList<String, Object> params) {
        return new NDList(encode(parameterStore, inputs.get(0), inputs.get(1), inputs.get(2), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
