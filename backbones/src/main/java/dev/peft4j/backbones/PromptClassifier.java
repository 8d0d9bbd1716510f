package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
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
public final class PromptClassifier extends PromptedFrozenBlock {

    private static final byte VERSION = 1;
    private static final String WIDTH = "the encoder has hidden size";

    private final BertEncoder encoder;
    private final int numClasses;
    private final PromptPlacement placement;
    private final @Nullable Linear head;
    private final @Nullable Verbalizer verbalizer;

    private PromptClassifier(Builder builder) {
        super(VERSION, Objects.requireNonNull(builder.encoder,
                "PromptClassifier.builder(): setEncoder(...) is required"));
        this.encoder = Objects.requireNonNull(builder.encoder);
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
        checkOnePrompt("PromptClassifier", builder.softPrompt, builder.fixedPrompt);
        this.numClasses = outputs;
        this.placement = builder.placement;
        int d = encoder.getHiddenSize();
        if (builder.softPrompt != null) {
            checkWidth(builder.softPrompt.getPromptShape().width(), d, WIDTH);
            addSoftPrompt(builder.softPrompt);
        } else if (builder.fixedPrompt != null) {
            checkWidth(builder.fixedPrompt.shape().width(), d, WIDTH);
            addFixedPrompt(builder.fixedPrompt);
        }
        // the encoder is registered as a child so that its (frozen) parameters are visible to DJL
        addChildBlock("encoder", encoder);
        this.head = verbalizer != null ? null : addChildBlock("head", Linear.builder().setUnits(numClasses).build());
    }

    /** A builder; {@link Builder#setEncoder} and {@link Builder#setNumClasses} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The frozen encoder. */
    public BertEncoder getEncoder() {
        return encoder;
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
        int promptLength = getPromptLength();
        SoftPrompt softPrompt = getSoftPrompt();
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
            NDList injected = injectPrompt(ps, embeddings, mask, types, placement.insertionIndex(), training);
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
     * Adds the method's per-token update to the word embeddings of the text (before the prompt is
     * inserted, so row {@code t} meets token {@code t}, {@code [CLS]} included; padding excluded),
     * in a scope for the same reason as {@link #injectPrompt}.
     */
    private NDArray updateText(ParameterStore ps, NDArray embeddings, NDArray mask, boolean training) {
        SoftPrompt softPrompt = getSoftPrompt();
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
        initializePrompt(manager, dataType);
        if (head != null) {
            head.initialize(manager, dataType, new Shape(1, encoder.getHiddenSize()));
        }
        // the encoder was filled and frozen when it was loaded
    }

    @Override
    public String toString() {
        return "PromptClassifier(" + describePrompt() + ", " + encoder + ", " + numClasses + " classes"
                + (verbalizer != null ? ", " + verbalizer : "")
                + (placement != PromptPlacement.AFTER_CLS ? ", prompt " + placement.id() : "") + ")";
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
