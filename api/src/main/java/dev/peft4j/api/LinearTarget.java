package dev.peft4j.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A linear layer of a BERT-family transformer layer that a low-rank update
 * ({@link LowRankUpdate}) may target, by the id users write ({@code query}, {@code key},
 * {@code value}, {@code attention.output}, {@code intermediate}, {@code output}) and the module
 * name Hugging Face gives it inside {@code encoder.layer.<i>}.
 *
 * @since 1.2
 */
public enum LinearTarget {
    /**
     * The query projection, {@code d -> d}.
     *
     * @since 1.2
     */
    QUERY("query", "attention.self.query"),
    /**
     * The key projection, {@code d -> d}.
     *
     * @since 1.2
     */
    KEY("key", "attention.self.key"),
    /**
     * The value projection, {@code d -> d}.
     *
     * @since 1.2
     */
    VALUE("value", "attention.self.value"),
    /**
     * The attention output projection, {@code d -> d}.
     *
     * @since 1.2
     */
    ATTENTION_OUTPUT("attention.output", "attention.output.dense"),
    /**
     * The feed-forward expansion, {@code d -> intermediate size}.
     *
     * @since 1.2
     */
    INTERMEDIATE("intermediate", "intermediate.dense"),
    /**
     * The feed-forward contraction, {@code intermediate size -> d}.
     *
     * @since 1.2
     */
    OUTPUT("output", "output.dense");

    private final String id;
    private final String huggingFaceModule;

    LinearTarget(String id, String huggingFaceModule) {
        this.id = id;
        this.huggingFaceModule = huggingFaceModule;
    }

    /**
     * The id users write, e.g. {@code attention.output}.
     *
     * @since 1.2
     */
    public String id() {
        return id;
    }

    /**
     * The module's name in Hugging Face's BERT, relative to {@code encoder.layer.<i>.}, e.g.
     * {@code attention.output.dense}.
     *
     * @since 1.2
     */
    public String huggingFaceModule() {
        return huggingFaceModule;
    }

    /**
     * The number of input features for a model of width {@code hiddenSize}.
     *
     * @since 1.2
     */
    public int inFeatures(int hiddenSize, int intermediateSize) {
        return this == OUTPUT ? intermediateSize : hiddenSize;
    }

    /**
     * The number of output features for a model of width {@code hiddenSize}.
     *
     * @since 1.2
     */
    public int outFeatures(int hiddenSize, int intermediateSize) {
        return this == INTERMEDIATE ? intermediateSize : hiddenSize;
    }

    /**
     * The target with id {@code id} (case-insensitive; the Hugging Face module name is accepted too).
     *
     * @throws InvalidOptionException naming the valid ids when there is none
     * @since 1.2
     */
    public static LinearTarget fromId(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (LinearTarget target : values()) {
            if (target.id.equals(wanted) || target.huggingFaceModule.equals(wanted)) {
                return target;
            }
        }
        throw new InvalidOptionException("Unknown linear layer '" + id + "'; choose from "
                + Arrays.stream(values()).map(LinearTarget::id).collect(Collectors.joining(", ")));
    }
}
