package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;

/**
 * Places a prompt {@code P'} of shape {@code (n, d)} among a batch of token embeddings
 * {@code (B, T, d)} and extends the attention mask and segment ids to match. The prompt rows
 * are attended to (mask 1) and belong to segment 0.
 *
 * <p>BERT-family encoders insert after {@code [CLS]} ({@code position = 1}), giving
 * {@code [CLS] P' tokens [SEP]}, or, as Hugging Face PEFT does, at 0 ({@code P' [CLS] tokens [SEP]});
 * {@link PromptPlacement} names both. Decoder-style models usually insert at 0.
 *
 * @since 1.0
 */
public final class PromptInjection {

    private PromptInjection() {}

    /**
     * Inserts {@code prompt} at {@code position} of every sequence.
     *
     * @param prompt          {@code P'}, shape {@code (n, d)}
     * @param tokenEmbeddings shape {@code (B, T, d)}
     * @param attentionMask   shape {@code (B, T)}
     * @param tokenTypeIds    shape {@code (B, T)}
     * @param position        where the prompt goes, {@code 0 <= position <= T}
     * @return embeddings {@code (B, n + T, d)}, mask {@code (B, n + T)}, segment ids {@code (B, n + T)}
     * @throws ShapeMismatchException when the prompt width is not the model width or shapes disagree
     * @since 1.0
     */
    public static NDList inject(
            NDArray prompt, NDArray tokenEmbeddings, NDArray attentionMask, NDArray tokenTypeIds, int position) {
        checkShapes(prompt, tokenEmbeddings, attentionMask, tokenTypeIds, position);
        long batch = tokenEmbeddings.getShape().get(0);
        long n = prompt.getShape().get(0);
        long d = prompt.getShape().get(1);
        NDArray promptBatch = prompt.expandDims(0).broadcast(batch, n, d);
        NDArray promptMask = attentionMask.getManager().ones(
                new ai.djl.ndarray.types.Shape(batch, n), attentionMask.getDataType(), attentionMask.getDevice());
        NDArray promptTypes = tokenTypeIds.getManager().zeros(
                new ai.djl.ndarray.types.Shape(batch, n), tokenTypeIds.getDataType(), tokenTypeIds.getDevice());
        return new NDList(
                splice(tokenEmbeddings, promptBatch, position),
                splice(attentionMask, promptMask, position),
                splice(tokenTypeIds, promptTypes, position));
    }

    /**
     * Adds a per-token update ({@link TextEmbeddingUpdate}) to the token embeddings of the text:
     * row {@code t} of {@code update} goes to position {@code t} of every sequence whose attention
     * mask is 1 there; padding positions are left as they are. Call it before {@link #inject}, on
     * the embeddings of the text alone.
     *
     * @param update          shape {@code (T, d)}
     * @param tokenEmbeddings shape {@code (B, T, d)}
     * @param attentionMask   1 for tokens, 0 for padding, shape {@code (B, T)}
     * @return the updated embeddings {@code (B, T, d)}
     * @throws ShapeMismatchException when the shapes disagree
     * @since 1.1
     */
    public static NDArray addTextUpdate(NDArray update, NDArray tokenEmbeddings, NDArray attentionMask) {
        var u = update.getShape();
        var e = tokenEmbeddings.getShape();
        if (e.dimension() != 3 || u.dimension() != 2 || u.get(0) != e.get(1) || u.get(1) != e.get(2)
                || !attentionMask.getShape().equals(new ai.djl.ndarray.types.Shape(e.get(0), e.get(1)))) {
            throw new ShapeMismatchException("A text update of shape " + u + " and an attention mask of shape "
                    + attentionMask.getShape() + " do not fit token embeddings of shape " + e
                    + "; the update needs one row per token position (T, d) and the mask (B, T)");
        }
        NDArray keep = attentionMask.toType(tokenEmbeddings.getDataType(), false).expandDims(2);
        return tokenEmbeddings.add(update.expandDims(0).mul(keep));
    }

    private static NDArray splice(NDArray sequence, NDArray inserted, int position) {
        long length = sequence.getShape().get(1);
        if (position == 0) {
            return inserted.concat(sequence, 1);
        }
        if (position == length) {
            return sequence.concat(inserted, 1);
        }
        NDArray head = sequence.get(new NDIndex(":, :{}", position));
        NDArray tail = sequence.get(new NDIndex(":, {}:", position));
        return ai.djl.ndarray.NDArrays.concat(new NDList(head, inserted, tail), 1);
    }

    private static void checkShapes(
            NDArray prompt, NDArray embeddings, NDArray mask, NDArray types, int position) {
        var p = prompt.getShape();
        var e = embeddings.getShape();
        if (p.dimension() != 2) {
            throw new ShapeMismatchException("The prompt must have shape (n, d), got " + p);
        }
        if (e.dimension() != 3) {
            throw new ShapeMismatchException("Token embeddings must have shape (B, T, d), got " + e);
        }
        if (p.get(1) != e.get(2)) {
            throw new ShapeMismatchException("The prompt has width " + p.get(1) + " but the model has width "
                    + e.get(2) + ". The prompt was trained for another backbone; use a prompt made for a "
                    + e.get(2) + "-wide model.");
        }
        var expected = new ai.djl.ndarray.types.Shape(e.get(0), e.get(1));
        if (!mask.getShape().equals(expected) || !types.getShape().equals(expected)) {
            throw new ShapeMismatchException("Attention mask " + mask.getShape() + " and segment ids "
                    + types.getShape() + " must both have shape " + expected + " to match the embeddings " + e);
        }
        if (position < 0 || position > e.get(1)) {
            throw new ShapeMismatchException(
                    "Prompt position " + position + " is outside [0, " + e.get(1) + "] for sequences of length " + e.get(1));
        }
    }

}
