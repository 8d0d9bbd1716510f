package dev.peft4j.backbones;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.util.PairList;
import dev.peft4j.api.PeftException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * BERT word-piece tokenization for a backbone, wrapping DJL's {@link HuggingFaceTokenizer} built
 * from the backbone's {@code tokenizer.json} with padding, truncation and maximum length set
 * explicitly (the settings stored in the file, e.g. fixed padding to 128, are overridden).
 *
 * <p><b>Lengths.</b> {@code maxTokens} counts every token of a sequence including {@code [CLS]}
 * and {@code [SEP]}. Longer texts are truncated (pairs longest-first: tokens are removed from the
 * longer of the two texts until the pair fits), never rejected. A prompt of {@code n} vectors is
 * inserted after {@code [CLS]} later, so pass {@code maxTokens = maxLength - n} (at most
 * {@code encoder.getMaxPositions() - n}) and the prompt always fits. Batches are padded to their
 * longest sequence.
 *
 * <p><b>Empty text.</b> An empty or blank text is rejected with a {@link PeftException} naming its
 * index in the batch: it would encode to {@code [CLS] [SEP]} and silently classify nothing.
 *
 * <p>Closing releases the native tokenizers (one per distinct {@code maxTokens}, made on first use).
 */
public final class TextTokenizer implements AutoCloseable {

    private final byte[] tokenizerJson;
    private final String source;
    private final int modelMaxLength;
    private final HuggingFaceTokenizer plain;
    private final Map<Integer, HuggingFaceTokenizer> byMaxTokens = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * A tokenizer from the contents of a {@code tokenizer.json}.
     *
     * @param tokenizerJson  the file's bytes
     * @param source         where they came from, for messages
     * @param modelMaxLength the model's maximum positions; {@code maxTokens} may not exceed it
     */
    TextTokenizer(byte[] tokenizerJson, String source, int modelMaxLength) {
        this.tokenizerJson = tokenizerJson.clone();
        this.source = source;
        this.modelMaxLength = modelMaxLength;
        this.plain = create(Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
    }

    private HuggingFaceTokenizer create(Map<String, String> options) {
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), options);
        } catch (IOException | RuntimeException e) {
            throw new BackboneException("Cannot build a tokenizer from " + source + " (" + e.getMessage()
                    + "); it must be a Hugging Face tokenizer.json.", e);
        }
    }

    private HuggingFaceTokenizer forMaxTokens(int maxTokens) {
        if (closed) {
            throw new IllegalStateException("This TextTokenizer is closed");
        }
        return byMaxTokens.computeIfAbsent(maxTokens, n -> create(Map.of(
                "addSpecialTokens", "true",
                "padding", "longest",
                "truncation", "longest_first",
                "maxLength", Integer.toString(n),
                "modelMaxLength", Integer.toString(modelMaxLength))));
    }

    /** The most tokens a sequence may have, the model's position count. */
    public int getModelMaxLength() {
        return modelMaxLength;
    }

    /**
     * Tokenizes single texts as {@code [CLS] text [SEP]}, truncated to {@code maxTokens} tokens and
     * padded to the longest in the batch.
     *
     * @param texts     one or more non-blank texts
     * @param maxTokens at least 3, at most {@link #getModelMaxLength()}
     * @throws PeftException for an empty batch, a blank text or a bad {@code maxTokens}
     */
    public EncodedBatch encode(List<String> texts, int maxTokens) {
        checkMaxTokens(maxTokens, 3);
        checkTexts(texts, "texts");
        Encoding[] encodings = forMaxTokens(maxTokens).batchEncode(texts);
        return toBatch(encodings);
    }

    /**
     * Tokenizes pairs as {@code [CLS] a [SEP] b [SEP]} (segment 0 up to the first {@code [SEP]},
     * segment 1 after), truncated longest-first to {@code maxTokens} and padded to the longest
     * in the batch.
     *
     * @param first     the first texts (premises, questions ...), non-blank
     * @param second    the second texts, as many as {@code first}, non-blank
     * @param maxTokens at least 5, at most {@link #getModelMaxLength()}
     * @throws PeftException for empty batches, different sizes, blank texts or a bad {@code maxTokens}
     */
    public EncodedBatch encodePairs(List<String> first, List<String> second, int maxTokens) {
        checkMaxTokens(maxTokens, 5);
        checkTexts(first, "first");
        checkTexts(second, "second");
        if (first.size() != second.size()) {
            throw new PeftException("encodePairs: " + first.size() + " first texts but " + second.size()
                    + " second texts; pass one second text per first text");
        }
        PairList<String, String> pairs = new PairList<>(first, second);
        Encoding[] encodings = forMaxTokens(maxTokens).batchEncode(pairs);
        return toBatch(encodings);
    }

    /**
     * The word-piece ids of {@code text} without special tokens and without truncation (for
     * prompt initialization from text). A blank text gives an empty array.
     */
    public long[] tokenIdsOf(String text) {
        if (closed) {
            throw new IllegalStateException("This TextTokenizer is closed");
        }
        return plain.encode(text).getIds();
    }

    /**
     * The word pieces of {@code text} without special tokens and without truncation, e.g.
     * {@code ["un", "##happy"]}, for messages about multi-piece words.
     */
    public List<String> tokensOf(String text) {
        if (closed) {
            throw new IllegalStateException("This TextTokenizer is closed");
        }
        return List.of(plain.encode(text).getTokens());
    }

    /**
     * The text of token ids, special tokens skipped, as the tokenizer's decoder writes it (for
     * text a T5 generates).
     */
    public String decode(long[] ids) {
        if (closed) {
            throw new IllegalStateException("This TextTokenizer is closed");
        }
        return plain.decode(ids, true);
    }

    private void checkMaxTokens(int maxTokens, int least) {
        if (maxTokens < least || maxTokens > modelMaxLength) {
            throw new PeftException("maxTokens must be in [" + least + ", " + modelMaxLength + "] (special tokens "
                    + "included, at most the model's positions), got " + maxTokens
                    + ". With a prompt of n vectors pass maxLength - n.");
        }
    }

    private static void checkTexts(List<String> texts, String what) {
        if (texts.isEmpty()) {
            throw new PeftException("Cannot tokenize an empty batch (" + what + " has no texts)");
        }
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null || text.isBlank()) {
                throw new PeftException("Text " + i + " of " + what + " is empty or blank; every example needs "
                        + "text (drop or fill the example before tokenizing)");
            }
        }
    }

    private static EncodedBatch toBatch(Encoding[] encodings) {
        int batch = encodings.length;
        int length = 0;
        for (Encoding e : encodings) {
            length = Math.max(length, e.getIds().length);
        }
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] types = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            // padding "longest" already makes rows equal; copy defensively in case it did not
            long[] rowIds = encodings[b].getIds();
            System.arraycopy(rowIds, 0, ids, b * length, rowIds.length);
            System.arraycopy(encodings[b].getAttentionMask(), 0, mask, b * length, rowIds.length);
            System.arraycopy(encodings[b].getTypeIds(), 0, types, b * length, rowIds.length);
        }
        return new EncodedBatch(batch, length, ids, mask, types);
    }

    @Override
    public void close() {
        closed = true;
        plain.close();
        byMaxTokens.values().forEach(HuggingFaceTokenizer::close);
        byMaxTokens.clear();
    }
}
