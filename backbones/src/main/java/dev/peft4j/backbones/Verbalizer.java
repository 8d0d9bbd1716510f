package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Classification by a frozen masked-language-model head: each input holds exactly one
 * {@code [MASK]} (a cloze template filled with the example's texts), and the logit of class
 * {@code c} is the MLM head's logit of label word {@code c} at that position, as in PET (Schick
 * and Schütze 2021, "Exploiting Cloze Questions for Few Shot Text Classification and Natural
 * Language Inference"). Nothing here trains: with a {@link dev.peft4j.api.SoftPrompt} on the
 * {@link PromptClassifier} the prompt (and Φ) is the only learner.
 *
 * <p>Each label word must be a single word piece of the backbone's vocabulary; a word that splits
 * into several pieces is refused with the pieces named (scoring several masks per word is not
 * supported). Only the label words' rows of the decoder are computed, not the whole vocabulary.
 *
 * <pre>{@code
 * Verbalizer verbalizer = Verbalizer.of(backbone, List.of("yes", "no"));
 * PromptClassifier classifier = PromptClassifier.builder().setEncoder(backbone.getEncoder())
 *         .optVerbalizer(verbalizer).optSoftPrompt(prompt).build();
 * EncodedBatch batch = backbone.getTokenizer().encode(List.of("it rains ? [MASK] , the sky is grey"), 118);
 * verbalizer.checkMasks(batch);
 * }</pre>
 */
public final class Verbalizer {

    /** The mask token as written in templates. */
    public static final String MASK = "[MASK]";

    /**
     * The placeholder modifier that fills a text without the spaces and {@code . ! ? ; : ,} at its
     * end ({@link #withoutFinalPunctuation}), for a template that puts its own {@code ?} after the
     * text: {@code {text_b:no-final-punctuation} ? [MASK] , {text_a}}. PET's patterns strip any
     * ASCII punctuation there ({@code rstrip(string.punctuation)}), so a text ending in a quote or
     * bracket differs.
     */
    public static final String NO_FINAL_PUNCTUATION = "no-final-punctuation";

    /** {@code {name}} or {@code {name:modifier}}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}:]*)(?::([^{}]*))?}");

    /**
     * A placeholder of a template.
     *
     * @param name     what it names, e.g. {@code text_a}
     * @param modifier its modifier, e.g. {@link #NO_FINAL_PUNCTUATION}; null for none
     */
    public record Placeholder(String name, @Nullable String modifier) {

        /** Whether the modifier is one {@link #fill} knows (or there is none). */
        public boolean hasKnownModifier() {
            return modifier == null || modifier.equals(NO_FINAL_PUNCTUATION);
        }

        /** Why an unknown modifier is refused, and the one to use, for a message about {@code template}. */
        public String unknownModifierProblem(String template) {
            return "The template '" + template + "' has the unknown modifier '" + modifier + "' in {" + name + ":"
                    + modifier + "}; the one modifier is {" + name + ":" + NO_FINAL_PUNCTUATION + "} (the text "
                    + "without the punctuation at its end).";
        }
    }

    /** The placeholders of {@code template}, in order: each {@code {name}} and {@code {name:modifier}}. */
    public static List<Placeholder> placeholders(String template) {
        List<Placeholder> found = new ArrayList<>();
        Matcher matcher = PLACEHOLDER.matcher(template);
        while (matcher.find()) {
            found.add(new Placeholder(matcher.group(1), matcher.group(2)));
        }
        return found;
    }

    private final MlmHead head;
    private final long maskTokenId;
    private final List<String> labelWords;
    private final long[] labelTokenIds;

    private Verbalizer(MlmHead head, long maskTokenId, List<String> labelWords, long[] labelTokenIds) {
        this.head = head;
        this.maskTokenId = maskTokenId;
        this.labelWords = List.copyOf(labelWords);
        this.labelTokenIds = labelTokenIds.clone();
    }

    /**
     * A verbalizer over {@code backbone}'s MLM head, one label word per class in class order.
     *
     * @throws PeftException when the backbone has no MLM head, its tokenizer has no single
     *                       {@code [MASK]} token, a word is blank, repeated or not one word piece
     */
    public static Verbalizer of(Backbone backbone, List<String> labelWords) {
        Objects.requireNonNull(labelWords, "labelWords must not be null");
        MlmHead head = backbone.getMlmHead().orElseThrow(() -> new PeftException("The backbone '"
                + backbone.getName() + "' has no masked-language-model head, which a verbalizer needs. Use "
                + "bert-base-uncased, or a Hugging Face BertForMaskedLM folder whose model.safetensors holds the "
                + "cls.predictions.* weights; or classify with a linear head instead."));
        TextTokenizer tokenizer = backbone.getTokenizer();
        long[] mask = tokenizer.tokenIdsOf(MASK);
        if (mask.length != 1) {
            throw new PeftException("The tokenizer of backbone '" + backbone.getName() + "' does not read " + MASK
                    + " as one token (got " + tokenizer.tokensOf(MASK) + "); a verbalizer needs a BERT-style "
                    + "tokenizer with " + MASK + " among its special tokens.");
        }
        if (labelWords.size() < 2) {
            throw new PeftException("A verbalizer needs a label word for each of at least 2 classes, got "
                    + labelWords);
        }
        long[] ids = new long[labelWords.size()];
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < ids.length; c++) {
            String word = labelWords.get(c).strip();
            long[] pieces = word.isEmpty() ? new long[0] : tokenizer.tokenIdsOf(word);
            if (pieces.length != 1) {
                problems.add(word.isEmpty() ? "label word " + (c + 1) + " is blank"
                        : "'" + word + "' is " + pieces.length + " word pieces " + tokenizer.tokensOf(word));
                continue;
            }
            ids[c] = pieces[0];
            for (int other = 0; other < c; other++) {
                if (ids[other] == ids[c]) {
                    problems.add("'" + word + "' is the same token as '" + labelWords.get(other).strip() + "'");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PeftException("Label words must each be one word piece of the backbone's vocabulary, "
                    + "distinct from each other: " + String.join("; ", problems) + ". Choose other words (a "
                    + "multi-piece word would need one " + MASK + " per piece, which is not supported).");
        }
        return new Verbalizer(head, mask[0], labelWords.stream().map(String::strip).toList(), ids);
    }

    /**
     * {@code template} with {@code {text_a}} and {@code {text_b}} replaced by the texts, in one
     * pass (a text that itself contains a placeholder is not filled again); see
     * {@link #fill(String, Map)} for modifiers.
     *
     * @throws PeftException when the template uses {@code {text_b}} and {@code textB} is null, or
     *                       a placeholder has an unknown modifier
     */
    public static String fill(String template, String textA, @Nullable String textB) {
        Map<String, String> values = new HashMap<>();
        values.put("text_a", textA);
        if (textB != null) {
            values.put("text_b", textB);
        }
        return fill(template, values);
    }

    /**
     * {@code template} with each {@code {name}} that {@code values} holds replaced by its value, in
     * one pass (a value that itself contains a placeholder is not filled again); other braces stay.
     * {@code {name:no-final-punctuation}} fills the value without the punctuation and spaces at its
     * end ({@link #NO_FINAL_PUNCTUATION}).
     *
     * @throws PeftException when the template uses {@code {text_b}} and {@code values} has none, or
     *                       a placeholder of a value has an unknown modifier
     */
    public static String fill(String template, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1);
            String modifier = matcher.group(2);
            Placeholder placeholder = new Placeholder(name, modifier);
            if (values.containsKey(name) && !placeholder.hasKnownModifier()) {
                throw new PeftException(placeholder.unknownModifierProblem(template));
            }
            String value = values.get(name);
            if (value == null && name.equals("text_b")) {
                throw new PeftException("The template '" + template + "' needs a second text for {text_b}; pass a "
                        + "text pair.");
            }
            String filled = value == null ? matcher.group() : modifier == null ? value : withoutFinalPunctuation(value);
            matcher.appendReplacement(out, Matcher.quoteReplacement(filled));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /**
     * {@code text} without the spaces and the {@code . ! ? ; : ,} at its end, so that it joins into a
     * longer sentence.
     */
    public static String withoutFinalPunctuation(String text) {
        int end = text.length();
        while (end > 0 && (Character.isWhitespace(text.charAt(end - 1)) || ".!?;:,".indexOf(text.charAt(end - 1)) >= 0)) {
            end--;
        }
        return text.substring(0, end);
    }

    /** The label words, in class order. */
    public List<String> getLabelWords() {
        return labelWords;
    }

    /** The label words' token ids, in class order. */
    public long[] getLabelTokenIds() {
        return labelTokenIds.clone();
    }

    /** The {@code [MASK]} token's id. */
    public long getMaskTokenId() {
        return maskTokenId;
    }

    /** The number of classes, one per label word. */
    public int getNumClasses() {
        return labelTokenIds.length;
    }

    /** The frozen MLM head that scores the words. */
    public MlmHead getHead() {
        return head;
    }

    /**
     * Checks that every sequence of {@code batch} holds exactly one {@code [MASK]}: the forward
     * pass finds the mask on the device and cannot report a missing one, so call this where the
     * batch is encoded (truncation can cut the mask away).
     *
     * @throws PeftException naming the first sequence without exactly one mask
     */
    public void checkMasks(EncodedBatch batch) {
        long[] ids = batch.tokenIds();
        for (int row = 0; row < batch.batchSize(); row++) {
            int count = 0;
            for (int t = 0; t < batch.length(); t++) {
                count += ids[row * batch.length() + t] == maskTokenId ? 1 : 0;
            }
            if (count != 1) {
                throw new PeftException("Sequence " + row + " of the batch holds " + count + " " + MASK
                        + " tokens; a verbalizer needs exactly one per input. "
                        + (count == 0 ? "Truncation may have cut it away: put the long text last in the template, "
                                + "after " + MASK + ", or allow more tokens."
                                : "Remove " + MASK + " from the texts and keep the one in the template."));
            }
        }
    }

    /**
     * The class logits {@code (B, C)}: the MLM head's logits of the label words at each row's
     * {@code [MASK]}.
     *
     * @param hidden       encoder outputs {@code (B, T + promptLength, d)}
     * @param tokenIds     the input token ids {@code (B, T)}, each row with one {@code [MASK]}
     * @param promptLength the number of prompt vectors, inserted after {@code [CLS]} or before the input
     */
    public NDArray score(ParameterStore parameterStore, NDArray hidden, NDArray tokenIds, int promptLength,
            boolean training) {
        Shape shape = hidden.getShape();
        long batch = tokenIds.getShape().get(0);
        if (shape.dimension() != 3 || shape.get(0) != batch || shape.get(1) != tokenIds.getShape().get(1) + promptLength) {
            throw new ShapeMismatchException("Verbalizer.score: hidden states " + shape + " do not match token ids "
                    + tokenIds.getShape() + " plus a prompt of " + promptLength);
        }
        long d = shape.get(2);
        // [MASK] sits at token position p >= 1, so after the prompt (inserted at 1 or 0) at p + promptLength
        NDArray positions = tokenIds.eq(maskTokenId).toType(DataType.INT32, false).argMax(1).add(promptLength);
        NDArray index = positions.reshape(batch, 1, 1).broadcast(new Shape(batch, 1, d));
        NDArray atMask = hidden.gather(index, 1).reshape(batch, d);
        return head.logitsOf(parameterStore, atMask, labelTokenIds, training);
    }

    @Override
    public String toString() {
        return "Verbalizer(" + labelWords + ")";
    }
}
