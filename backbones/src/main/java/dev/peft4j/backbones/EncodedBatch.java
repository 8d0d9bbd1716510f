package dev.peft4j.backbones;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.ShapeMismatchException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A tokenized batch: {@code batchSize} sequences padded to {@code length}, each array flat and
 * row-major ({@code batchSize * length} values). Padding has token id 0, mask 0, segment 0.
 *
 * @param batchSize     number of sequences {@code B}
 * @param length        padded length {@code T} (the longest sequence in the batch)
 * @param tokenIds      word-piece ids including {@code [CLS]} and {@code [SEP]}
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds  0 for the first text (and padding), 1 for the second text of a pair
 */
public record EncodedBatch(int batchSize, int length, long[] tokenIds, long[] attentionMask, long[] tokenTypeIds) {

    /** Checks the sizes and copies the arrays. */
    public EncodedBatch {
        long size = (long) batchSize * length;
        if (tokenIds.length != size || attentionMask.length != size || tokenTypeIds.length != size) {
            throw new ShapeMismatchException("EncodedBatch of " + batchSize + " x " + length + " needs " + size
                    + " values per array, got " + tokenIds.length + ", " + attentionMask.length + ", "
                    + tokenTypeIds.length);
        }
        tokenIds = tokenIds.clone();
        attentionMask = attentionMask.clone();
        tokenTypeIds = tokenTypeIds.clone();
    }

    /** A copy of the token ids. */
    @Override
    public long[] tokenIds() {
        return tokenIds.clone();
    }

    /** A copy of the attention mask. */
    @Override
    public long[] attentionMask() {
        return attentionMask.clone();
    }

    /** A copy of the token type ids. */
    @Override
    public long[] tokenTypeIds() {
        return tokenTypeIds.clone();
    }

    /** The number of real (non-padding) tokens of sequence {@code row}. */
    public int tokenCount(int row) {
        int count = 0;
        for (int t = 0; t < length; t++) {
            count += (int) attentionMask[row * length + t];
        }
        return count;
    }

    /**
     * The batch as int64 arrays {@code (tokenIds, attentionMask, tokenTypeIds)}, each
     * {@code (B, T)}, created on {@code manager} (and its device).
     */
    public NDList toNDList(NDManager manager) {
        Shape shape = new Shape(batchSize, length);
        return new NDList(manager.create(tokenIds, shape), manager.create(attentionMask, shape),
                manager.create(tokenTypeIds, shape));
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof EncodedBatch b && b.batchSize == batchSize && b.length == length
                && Arrays.equals(b.tokenIds, tokenIds) && Arrays.equals(b.attentionMask, attentionMask)
                && Arrays.equals(b.tokenTypeIds, tokenTypeIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * batchSize + length) + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
        return "EncodedBatch(" + batchSize + " x " + length + ")";
    }
}
