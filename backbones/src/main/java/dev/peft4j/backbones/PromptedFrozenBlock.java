package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What {@link PromptClassifier} and {@link TextToTextClassifier} share: a block with trainable
 * parts (a trainable or fixed prompt, maybe a head) around a frozen model that must stay frozen.
 */
abstract class PromptedFrozenBlock extends AbstractBlock {

    private final Block frozen;
    private @Nullable SoftPrompt softPrompt;
    private @Nullable Parameter fixedPrompt;
    private int promptLength;

    PromptedFrozenBlock(byte version, Block frozen) {
        super(version);
        this.frozen = frozen;
    }

    static void checkOnePrompt(String owner, @Nullable SoftPrompt softPrompt, @Nullable PromptEmbeddings fixedPrompt) {
        if (softPrompt != null && fixedPrompt != null) {
            throw new PeftException(owner + ": pass either optSoftPrompt (training) or optFixedPrompt "
                    + "(inference with an exported prompt), not both");
        }
    }

    /** @param model how the message names the frozen model's width, e.g. "the encoder has hidden size" */
    static void checkWidth(int promptWidth, int hidden, String model) {
        if (promptWidth != hidden) {
            throw new ShapeMismatchException("The prompt has width " + promptWidth + " but " + model + " "
                    + hidden + "; create the prompt for this backbone (PromptShape(n, " + hidden + "))");
        }
    }

    /**
     * Registers the trainable prompt as a child block; call once, in the constructor, at most. A
     * method that acts only inside the layers ({@link SoftPrompt#insertsInputPrompt()} false)
     * inserts nothing at the input: the prompt length stays 0.
     */
    final void addSoftPrompt(SoftPrompt prompt) {
        this.softPrompt = addChildBlock("softPrompt", prompt);
        this.promptLength = prompt.insertsInputPrompt() ? prompt.getPromptShape().length() : 0;
    }

    /** Registers an exported prompt as a frozen parameter; call once, in the constructor, at most. */
    final void addFixedPrompt(PromptEmbeddings values) {
        this.fixedPrompt = addParameter(Parameter.builder()
                .setName("fixedPrompt")
                .setType(Parameter.Type.OTHER)
                .optShape(values.shape().toShape())
                .optRequiresGrad(false)
                .optInitializer(new FixedValues(values))
                .build());
        this.promptLength = values.shape().length();
    }

    /** The trainable prompt, or {@code null} for the fixed-prompt and no-prompt variants. */
    public @Nullable SoftPrompt getSoftPrompt() {
        return softPrompt;
    }

    /**
     * The number of prompt vectors in each input: 0 without a prompt, and 0 for a method that acts
     * only inside the layers (prefix tuning, LoRA). Tokenize with {@code maxLength - getPromptLength()}.
     */
    public int getPromptLength() {
        return promptLength;
    }

    /** The number of trainable values (the frozen model counts for none). */
    public long getTrainableParameterCount() {
        long count = 0;
        for (var entry : getParameters()) {
            Parameter p = entry.getValue();
            if (p.requiresGradient() && p.isInitialized()) {
                count += p.getArray().size();
            }
        }
        return count;
    }

    /**
     * Freezes or unfreezes the trainable parts; the frozen model stays frozen either way. DJL
     * unfreezes a whole model when it creates a trainer for a model it loaded from disk; this
     * keeps the backbone out of training even then.
     */
    @Override
    public void freezeParameters(boolean freeze) {
        super.freezeParameters(freeze);
        frozen.freezeParameters(true);
    }

    /** As {@link #freezeParameters(boolean)}, for the parameters {@code predicate} selects. */
    @Override
    public void freezeParameters(boolean freeze, Predicate<Parameter> predicate) {
        super.freezeParameters(freeze, predicate);
        frozen.freezeParameters(true);
    }

    /**
     * Computes {@code P'} and inserts it at {@code index}. Φ's intermediate arrays land on the prompt parameter's
     * manager (every result lands on its first operand's manager), which lives
     * as long as the model; a scope closes them here so a long training run does not grow. Autograd
     * keeps what backward needs on its own. The three results live on the token ids' manager and
     * are handed to the caller's scope, if any.
     *
     * @param types the token type ids, or {@code null} for a model without them (zeros, made in the scope)
     */
    final NDList injectPrompt(ParameterStore ps, NDArray embeddings, NDArray mask, @Nullable NDArray types,
            int index, boolean training) {
        var device = embeddings.getDevice();
        fetchPromptParameters(ps, device, training);
        NDList injected;
        try (NDScope scope = new NDScope()) {
            NDArray prompt = softPrompt != null
                    ? softPrompt.computePrompt(ps, training)
                    : ps.getValue(Objects.requireNonNull(fixedPrompt), device, training);
            injected = PromptInjection.inject(prompt, embeddings, mask, types != null ? types : mask.zerosLike(),
                    index);
            NDScope.unregister(injected);
        }
        injected.forEach(NDScope::register);
        return injected;
    }

    /**
     * Fetches (and lets the store cache) the trainable prompt's parameter values: call it before a
     * scope that computes from them, so that no cached copy is closed with the scope.
     */
    final void fetchPromptParameters(ParameterStore ps, Device device, boolean training) {
        if (softPrompt != null) {
            for (var entry : softPrompt.getParameters()) {
                ps.getValue(entry.getValue(), device, training);
            }
        }
    }

    /** Initializes the trainable prompt, if any and not yet done. */
    final void initializePrompt(NDManager manager, DataType dataType) {
        if (softPrompt != null && !softPrompt.isInitialized()) {
            softPrompt.initialize(manager, dataType);
        }
    }

    /** The prompt for {@code toString}. */
    final String describePrompt() {
        return softPrompt != null ? softPrompt.toString()
                : fixedPrompt != null ? "fixed prompt (" + promptLength + ")" : "no prompt";
    }

    /** Fills the fixed prompt with its exported values. */
    private record FixedValues(PromptEmbeddings values) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return values.toNDArray(manager).toType(dataType, false);
        }
    }
}
