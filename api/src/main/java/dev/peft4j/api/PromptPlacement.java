package dev.peft4j.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Where a BERT-family encoder's input takes the prompt {@code P'} (n vectors), and which position
 * a classification head reads. Either way the prompt rows are attended to (mask 1) and belong to
 * segment 0, and positions are numbered over the whole sequence, so the prompt vectors get the
 * position embeddings of the places they occupy.
 *
 * <ul>
 *   <li>{@link #AFTER_CLS}: {@code [CLS] P' text [SEP]}, peft4j's convention (the Residual Prompt
 *       Tuning paper's BERT recipe); the head reads {@code [CLS]} at position 0.
 *   <li>{@link #BEFORE_INPUT}: {@code P' [CLS] text [SEP]}, what Hugging Face PEFT's
 *       {@code PeftModel.forward} builds for prompt tuning ({@code torch.cat((prompts, inputs_embeds), dim=1)},
 *       the attention mask prefixed with ones, segment ids with zeros); the prompt takes positions
 *       {@code 0..n-1} and {@code [CLS]} position {@code n}. The head reads position 0, the first
 *       prompt vector, as PEFT's {@code SEQ_CLS} model does: {@code BertForSequenceClassification}
 *       classifies the pooler output, which is computed from position 0.
 * </ul>
 *
 * <p>Either way a token at position {@code p} of the tokenized text lands at {@code p + n}
 * ({@code [CLS]}, {@code p = 0}, excepted with {@link #AFTER_CLS}), so a {@code [MASK]} is found
 * the same way in both.
 *
 * @since 1.1
 */
public enum PromptPlacement {

    /**
     * {@code [CLS] P' text [SEP]}: peft4j's convention, the default.
     *
     * @since 1.1
     */
    AFTER_CLS("after-cls", 1),

    /**
     * {@code P' [CLS] text [SEP]}: Hugging Face PEFT's placement.
     *
     * @since 1.1
     */
    BEFORE_INPUT("before-input", 0);

    private final String id;
    private final int insertionIndex;

    PromptPlacement(String id, int insertionIndex) {
        this.id = id;
        this.insertionIndex = insertionIndex;
    }

    /**
     * The name on the command line and in files: {@code after-cls} or {@code before-input}.
     *
     * @since 1.1
     */
    public String id() {
        return id;
    }

    /**
     * Where among the text tokens the prompt goes: the {@code position} of
     * {@link PromptInjection#inject} (1 after {@code [CLS]}, 0 before it).
     *
     * @since 1.1
     */
    public int insertionIndex() {
        return insertionIndex;
    }

    /**
     * The sequence position of {@code [CLS]} with a prompt of {@code promptLength} vectors: 0, or
     * {@code promptLength} before the input.
     *
     * @since 1.1
     */
    public int clsIndex(int promptLength) {
        return this == AFTER_CLS ? 0 : promptLength;
    }

    /**
     * The placement named {@code id} ({@link #id()}), ignoring case and surrounding blanks.
     *
     * @throws InvalidOptionException for another name, with the closest one and the valid names
     * @since 1.1
     */
    public static PromptPlacement parse(String id) {
        String wanted = id.strip().toLowerCase(Locale.ROOT);
        for (PromptPlacement placement : values()) {
            if (placement.id.equals(wanted)) {
                return placement;
            }
        }
        List<String> ids = Arrays.stream(values()).map(PromptPlacement::id).toList();
        String hint = Suggestions.closest(wanted, ids).map(s -> " Did you mean '" + s + "'?").orElse("");
        throw new InvalidOptionException("Unknown prompt placement '" + id + "'." + hint + " Valid placements: "
                + String.join(", ", ids) + " (after-cls: [CLS] P' text, peft4j's; before-input: P' [CLS] text, "
                + "Hugging Face PEFT's).");
    }
}
