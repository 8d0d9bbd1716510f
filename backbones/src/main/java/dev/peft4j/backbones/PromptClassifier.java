package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.TextEmbeddingUpdate;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The paper's BERT set-up for classification: the input {@code [CLS] P' S [SEP]} (the prompt
 * after {@code [CLS]}, see {@link BertEncoder}), the frozen encoder, and a linear head
 * ({@code hidden -> numClasses}) on the {@code [CLS]} output. {@code forward(ps, NDList(tokenIds,
 * attentionMask, tokenTypeIds), training)} returns logits {@code (B, C)}; apply softmax
 * cross-entropy as the loss.
 *
 * <pre>{@code
 * Backbone backbone = Backbones.load("all-minilm-l6-v2", Device.cpu());
 * BertEncoder encoder = backbone.getEncoder();
 * SoftPrompt prompt = SoftPrompt.builder()
 *         .setReparameterizer(plugin.create(new PromptShape(10, encoder.getHiddenSize()), options))
 *         .optInit(PromptInit.sampledVocabulary()).optEncoder(encoder).build();
 * PromptClassifier classifier = PromptClassifier.builder()
 *         .setEncoder(encoder).setNumClasses(2).optSoftPrompt(prompt).build();
 * EncodedBatch batch = backbone.getTokenizer().encodePairs(premises, hypotheses, 128 - 10);
 * }</pre>
 *
 * <p>Three variants:
 * <ul>
 *   <li>with a trainable {@link SoftPrompt} ({@link Builder#optSoftPrompt}): {@code P} and Φ and
 *       the head train, the encoder stays frozen;
 *   <li>with a fixed exported prompt ({@link Builder#optFixedPrompt}): {@code P'} is a frozen
 *       parameter, there is no Φ; for inference at plain prompt-tuning cost;
 *   <li>with no prompt: encoder and head only, for baselines and benchmarks.
 * </ul>
 *
 * <p><b>Verbalizer head.</b> With {@link Builder#optVerbalizer} there is no linear head: each
 * input holds one {@code [MASK]} and the class logits are the frozen MLM head's logits of the
 * label words there (see {@link Verbalizer}), so a soft prompt is the only learner.
 *
 * <p><b>Placement.</b> {@link Builder#optPlacement} with {@link PromptPlacement#BEFORE_INPUT}
 * gives Hugging Face PEFT's input {@code P' [CLS] S [SEP]} instead; the linear head then reads
 * position 0, the first prompt vector, as PEFT's sequence classifier does, and the verbalizer the
 * {@code [MASK]} wherever it lands.
 *
 * <p>Texts must leave room for the prompt: tokenize with {@code maxTokens = maxLength -
 * getPromptLength()}; a longer input fails with a {@link ShapeMismatchException}.
 *
 * <p><b>Device and host traffic.</b> Prompt, head and (frozen) encoder live on the device of the
 * manager they were initialized with; give the classifier the backbone's device. A forward pass
 * copies nothing to the host: position ids, masks and the prompt rows are made on the device. Per
 * training step the only transfers are the token batch to the device
 * ({@link EncodedBatch#toNDList}) and, if the caller reads it, the loss back.
 *
 * <p>Call {@link #initialize(NDManager, DataType, Shape...)} (or let a DJL {@code Trainer} do it):
 * it initializes the prompt and the head; the encoder is already loaded and is left untouched.
 */
public final class PromptClassifier extends AbstractBlock {

    private static final byte VERSION = 1;

    private final BertEncoder encoder;
    private final int numClasses;
    private final @Nullable SoftPrompt softPrompt;
    private final @Nullable Parameter fixedPrompt;
    private final int promptLength;
    private final PromptPlacement placement;
    private final @Nullable Linear head;
    private final @Nullable Verbalizer verbalizer;

    private PromptClassifier(Builder builder) {
        super(VERSION);
        this.encoder = Objects.requireNonNull(builder.encoder, "PromptClassifier.builder(): setEncoder(...) is required");
        this.verbalizer = builder.verbalizer;
        if (verbalizer != null && builder.numClasses != 0 && builder.numClasses != verbalizer.getNumClasses()) {
            throw new PeftException("PromptClassifier: setNumClasses(" + builder.numClasses + ") does not match the "
                    + verbalizer.getNumClasses() + " label words of " + verbalizer + "; leave setNumClasses out");
        }
        int outputs = verbalizer != null ? verbalizer.getNumClasses() : builder.numClasses;
        // one output scores an input (multiple choice: a softmax over each example's choices)
        if (outputs < 1) {
            throw new PeftException("PromptClassifier needs at least 1 output, got " + builder.numClasses
                    + "; call setNumClasses with the number of labels (1 to score each choice)");
        }
        if (builder.softPrompt != null && builder.fixedPrompt != null) {
            throw new PeftException("PromptClassifier: pass either optSoftPrompt (training) or optFixedPrompt "
                    + "(inference with an exported prompt), not both");
        }
        this.numClasses = outputs;
        this.placement = builder.placement;
        int d = encoder.getHiddenSize();
        if (builder.softPrompt != null) {
            checkWidth(builder.softPrompt.getPromptShape().width(), d);
            this.softPrompt = addChildBlock("softPrompt", builder.softPrompt);
            this.fixedPrompt = null;
            this.promptLength = builder.softPrompt.getPromptShape().length();
        } else if (builder.fixedPrompt != null) {
            PromptEmbeddings values = builder.fixedPrompt;
            checkWidth(values.shape().width(), d);
            this.softPrompt = null;
            this.fixedPrompt = addParameter(Parameter.builder()
                    .setName("fixedPrompt")
                    .setType(Parameter.Type.OTHER)
                    .optShape(values.shape().toShape())
                    .optRequiresGrad(false)
                    .optInitializer(new FixedValues(values))
                    .build());
            this.promptLength = values.shape().length();
        } else {
            this.softPrompt = null;
            this.fixedPrompt = null;
            this.promptLength = 0;
        }
        // the encoder is registered as a child so that its (frozen) parameters are visible to DJL
        addChildBlock("encoder", encoder);
        this.head = verbalizer != null ? null : addChildBlock("head", Linear.builder().setUnits(numClasses).build());
    }

    private static void checkWidth(int promptWidth, int hidden) {
        if (promptWidth != hidden) {
            throw new ShapeMismatchException("The prompt has width " + promptWidth + " but the encoder has hidden size "
                    + hidden + "; create the prompt for this backbone (PromptShape(n, " + hidden + "))");
        }
    }

    /** A builder; {@link Builder#setEncoder} and {@link Builder#setNumClasses} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The frozen encoder. */
    public BertEncoder getEncoder() {
        return encoder;
    }

    /** The trainable prompt, or {@code null} for the fixed-prompt and no-prompt variants. */
    public @Nullable SoftPrompt getSoftPrompt() {
        return softPrompt;
    }

    /** The number of prompt vectors in each input (0 without a prompt). */
    public int getPromptLength() {
        return promptLength;
    }

    /** Where the prompt goes in each input; {@link PromptPlacement#AFTER_CLS} unless the builder chose. */
    public PromptPlacement getPlacement() {
        return placement;
    }

    /** The number of classes {@code C}. */
    public int getNumClasses() {
        return numClasses;
    }

    /**
     * The linear classification head on the output at position 0 ({@code [CLS]} after-cls, the
     * first prompt vector before-input).
     *
     * @throws PeftException for a verbalizer classifier, which has none ({@link #getVerbalizer()})
     */
    public Linear getHead() {
        if (head == null) {
            throw new PeftException("This PromptClassifier scores label words with " + verbalizer
                    + " and has no linear head");
        }
        return head;
    }

    /** The verbalizer scoring label words at {@code [MASK]}, or {@code null} with a linear head. */
    public @Nullable Verbalizer getVerbalizer() {
        return verbalizer;
    }

    /** The number of trainable values: prompt, Φ and head (the encoder is frozen). */
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
     * Freezes or unfreezes the prompt, Φ and the head; the encoder stays frozen either way. DJL
     * unfreezes a whole model when it creates a trainer for a model it loaded from disk; this
     * keeps the backbone out of training even then.
     */
    @Override
    public void freezeParameters(boolean freeze) {
        super.freezeParameters(freeze);
        encoder.freezeParameters(true);
    }

    /** As {@link #freezeParameters(boolean)}, for the parameters {@code predicate} selects. */
    @Override
    public void freezeParameters(boolean freeze, java.util.function.Predicate<Parameter> predicate) {
        super.freezeParameters(freeze, predicate);
        encoder.freezeParameters(true);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new ShapeMismatchException("PromptClassifier.forward expects NDList(tokenIds, attentionMask, "
                    + "tokenTypeIds), got " + inputs.size() + " arrays");
        }
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray types = inputs.get(2);
        long total = ids.getShape().get(1) + promptLength;
        if (total > encoder.getMaxPositions()) {
            throw new ShapeMismatchException("PromptClassifier: " + ids.getShape().get(1) + " tokens plus a prompt of "
                    + promptLength + " make " + total + " positions, more than the encoder's "
                    + encoder.getMaxPositions() + ". Tokenize with maxTokens = maxLength - " + promptLength + ".");
        }
        NDArray embeddings = encoder.embedTokens(ps, ids);
        if (softPrompt != null && softPrompt.getTextEmbeddingUpdate() != null) {
            embeddings = updateText(ps, embeddings, mask, training);
        }
        if (promptLength > 0) {
            NDList injected = injectPrompt(ps, embeddings, mask, types, training);
            embeddings = injected.get(0);
            mask = injected.get(1);
            types = injected.get(2);
        }
        NDArray hidden = encoder.encode(ps, embeddings, mask, types, training);
        if (verbalizer != null) {
            return new NDList(verbalizer.score(ps, hidden, ids, promptLength, training));
        }
        // position 0 in both placements: [CLS], or the first prompt vector as PEFT's SEQ_CLS model reads it
        NDArray cls = hidden.get(new NDIndex(":, 0, :"));
        return Objects.requireNonNull(head).forward(ps, new NDList(cls), training);
    }

    /**
     * Computes {@code P'} and places it after {@code [CLS]} or before the input. Φ's intermediate arrays land on the
     * prompt parameter's manager (every result lands on its first operand's manager), which lives
     * as long as the model; a scope closes them here so a long training run does not grow. Autograd
     * keeps what backward needs on its own. The three results live on the token ids' manager and
     * are handed to the caller's scope, if any.
     */
    private NDList injectPrompt(ParameterStore ps, NDArray embeddings, NDArray mask, NDArray types, boolean training) {
        var device = embeddings.getDevice();
        // fetch (and let the store cache) parameter values outside the scope, so no cached copy is closed
        if (softPrompt != null) {
            for (var entry : softPrompt.getParameters()) {
                ps.getValue(entry.getValue(), device, training);
            }
        }
        NDList injected;
        try (NDScope scope = new NDScope()) {
            NDArray prompt = softPrompt != null
                    ? softPrompt.computePrompt(ps, training)
                    : ps.getValue(Objects.requireNonNull(fixedPrompt), device, training);
            injected = PromptInjection.inject(prompt, embeddings, mask, types, placement.insertionIndex());
            NDScope.unregister(injected);
        }
        injected.forEach(NDScope::register);
        return injected;
    }

    /**
     * Adds the method's per-token update to the word embeddings of the text (before the prompt is
     * inserted, so row {@code t} meets token {@code t}, {@code [CLS]} included; padding excluded),
     * in a scope for the same reason as {@link #injectPrompt}.
     */
    private NDArray updateText(ParameterStore ps, NDArray embeddings, NDArray mask, boolean training) {
        TextEmbeddingUpdate update = Objects.requireNonNull(Objects.requireNonNull(softPrompt).getTextEmbeddingUpdate());
        int length = Math.toIntExact(embeddings.getShape().get(1));
        for (var entry : Objects.requireNonNull(softPrompt).getParameters()) {
            ps.getValue(entry.getValue(), embeddings.getDevice(), training);
        }
        NDArray updated;
        try (NDScope scope = new NDScope()) {
            updated = PromptInjection.addTextUpdate(update.computeUpdate(ps, length, training), embeddings, mask);
            NDScope.unregister(updated);
        }
        NDScope.register(updated);
        return updated;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        if (softPrompt != null && !softPrompt.isInitialized()) {
            softPrompt.initialize(manager, dataType);
        }
        if (head != null) {
            head.initialize(manager, dataType, new Shape(1, encoder.getHiddenSize()));
        }
        // the encoder was filled and frozen when it was loaded
    }

    @Override
    public String toString() {
        String prompt = softPrompt != null ? softPrompt.toString()
                : fixedPrompt != null ? "fixed prompt (" + promptLength + ")" : "no prompt";
        return "PromptClassifier(" + prompt + ", " + encoder + ", " + numClasses + " classes"
                + (verbalizer != null ? ", " + verbalizer : "")
                + (placement != PromptPlacement.AFTER_CLS ? ", prompt " + placement.id() : "") + ")";
    }

    /** Fills the fixed prompt with its exported values. */
    private record FixedValues(PromptEmbeddings values) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return values.toNDArray(manager).toType(dataType, false);
        }
    }

    /** Builds a {@link PromptClassifier}. */
    public static final class Builder {
        private @Nullable BertEncoder encoder;
        private int numClasses;
        private @Nullable SoftPrompt softPrompt;
        private @Nullable PromptEmbeddings fixedPrompt;
        private @Nullable Verbalizer verbalizer;
        private PromptPlacement placement = PromptPlacement.AFTER_CLS;

        private Builder() {}

        /** The frozen encoder, from {@link Backbone#getEncoder()}; required. */
        public Builder setEncoder(BertEncoder encoder) {
            this.encoder = Objects.requireNonNull(encoder, "encoder must not be null");
            return this;
        }

        /** The number of classes (at least 2); required unless {@link #optVerbalizer} gives it. */
        public Builder setNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /** A trainable prompt of the encoder's width; without it (and without a fixed one) no prompt is used. */
        public Builder optSoftPrompt(SoftPrompt softPrompt) {
            this.softPrompt = Objects.requireNonNull(softPrompt, "softPrompt must not be null");
            return this;
        }

        /** An exported prompt {@code P'} used as is (frozen, no Φ), for inference. */
        public Builder optFixedPrompt(PromptEmbeddings embeddings) {
            this.fixedPrompt = Objects.requireNonNull(embeddings, "embeddings must not be null");
            return this;
        }

        /**
         * Scores the label words of {@code verbalizer} at each input's {@code [MASK]} with its
         * frozen MLM head instead of a linear head on {@code [CLS]}; one class per label word.
         */
        public Builder optVerbalizer(Verbalizer verbalizer) {
            this.verbalizer = Objects.requireNonNull(verbalizer, "verbalizer must not be null");
            return this;
        }

        /**
         * Where the prompt goes: {@link PromptPlacement#AFTER_CLS} (the default, the paper's
         * {@code [CLS] P' S [SEP]}) or {@link PromptPlacement#BEFORE_INPUT} (Hugging Face PEFT's
         * {@code P' [CLS] S [SEP]}, the head on position 0). Train and serve with the same one.
         */
        public Builder optPlacement(PromptPlacement placement) {
            this.placement = Objects.requireNonNull(placement, "placement must not be null");
            return this;
        }

        /** Builds the classifier (prompt and head not yet initialized). */
        public PromptClassifier build() {
            return new PromptClassifier(this);
        }
    }
}
