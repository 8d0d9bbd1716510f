package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.peft4j.api.LayerInjections;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.TextEmbeddingUpdate;
import java.util.Objects;
import java.util.stream.Collectors;
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
 * <p><b>Inside the layers.</b> A soft prompt whose method has a {@link LayerPrefix} or a
 * {@link LowRankUpdate} (prefix tuning, LoRA) applies them through the encoder's
 * {@link LayerInjections} on every forward pass; a method that inserts nothing at the input
 * ({@link SoftPrompt#insertsInputPrompt()} false) has {@link #getPromptLength()} 0. For inference,
 * {@link Builder#optFixedLayerPrefix} and {@link Builder#optLowRankUpdate} apply exported ones.
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
    // (L, 2, m, d), frozen: an exported prefix for inference (optFixedLayerPrefix)
    private final @Nullable Parameter fixedLayerPrefix;
    private final @Nullable LowRankUpdate fixedLowRankUpdate;
    private final int layerPrefixLength;

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
        SoftPrompt soft = builder.softPrompt;
        LayerPrefix softPrefix = soft != null ? soft.getLayerPrefix() : null;
        if (soft != null) {
            checkWidth(soft.getPromptShape().width(), d, WIDTH);
            addSoftPrompt(soft);
        } else if (builder.fixedPrompt != null) {
            checkWidth(builder.fixedPrompt.shape().width(), d, WIDTH);
            addFixedPrompt(builder.fixedPrompt);
        }
        // LayerInjections carries one prefix and one update: a fixed one beside the soft prompt's own would be lost
        if (softPrefix != null && builder.fixedLayerPrefix != null
                || soft != null && soft.getLowRankUpdate() != null && builder.fixedLowRankUpdate != null) {
            throw new PeftException("PromptClassifier: the soft prompt " + soft + " brings its own "
                    + (softPrefix != null && builder.fixedLayerPrefix != null ? "layer prefix" : "low-rank update")
                    + "; pass optFixedLayerPrefix/optLowRankUpdate only to serve an exported one without it");
        }
        this.fixedLayerPrefix = builder.fixedLayerPrefix == null ? null
                : addParameter(fixedLayerPrefix(builder.fixedLayerPrefix, encoder));
        this.fixedLowRankUpdate = builder.fixedLowRankUpdate;
        this.layerPrefixLength = softPrefix != null ? softPrefix.getPrefixLength()
                : builder.fixedLayerPrefix != null ? builder.fixedLayerPrefix.shape().length() : 0;
        // the encoder is registered as a child so that its (frozen) parameters are visible to DJL
        addChildBlock("encoder", encoder);
        this.head = verbalizer != null ? null : addChildBlock("head", Linear.builder().setUnits(numClasses).build());
    }

    private static Parameter fixedLayerPrefix(PromptEmbeddings peftRows, BertEncoder encoder) {
        int layers = encoder.getNumLayers();
        int d = encoder.getHiddenSize();
        int m = peftRows.shape().length();
        if (peftRows.shape().width() != layers * 2 * d) {
            throw new ShapeMismatchException("PromptClassifier.optFixedLayerPrefix: the prefix rows have width "
                    + peftRows.shape().width() + ", but " + encoder + " needs layers * 2 * hidden = " + layers
                    + " * 2 * " + d + " = " + layers * 2 * d + " (PEFT's PREFIX_TUNING prompt_embeddings, shape "
                    + "(m, layers * 2 * d)); use a prefix exported for this backbone");
        }
        return Parameter.builder()
                .setName("fixedLayerPrefix")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(layers, 2, m, d))
                .optRequiresGrad(false)
                .optInitializer(new LayerRows(peftRows, layers))
                .build();
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
        // a layer prefix shifts the text's positions by m (as in Hugging Face), so it counts here too
        long total = ids.getShape().get(1) + promptLength + layerPrefixLength;
        if (total > encoder.getMaxPositions()) {
            int room = promptLength + layerPrefixLength;
            throw new ShapeMismatchException("PromptClassifier: " + ids.getShape().get(1) + " tokens plus a prompt of "
                    + promptLength + (layerPrefixLength > 0 ? " and a layer prefix of " + layerPrefixLength : "")
                    + " make " + total + " positions, more than the encoder's "
                    + encoder.getMaxPositions() + ". Tokenize with maxTokens = maxLength - " + room + ".");
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
        NDArray hidden = hasLayerInjections() ? encodeWithInjections(ps, embeddings, mask, types, training)
                : encoder.encode(ps, embeddings, mask, types, training);
        if (verbalizer != null) {
            return new NDList(verbalizer.score(ps, hidden, ids, promptLength, training));
        }
        // position 0 in both placements: [CLS], or the first prompt vector as PEFT's SEQ_CLS model reads it
        NDArray cls = hidden.get(new NDIndex(":, 0, :"));
        return Objects.requireNonNull(head).forward(ps, new NDList(cls), training);
    }

    private boolean hasLayerInjections() {
        SoftPrompt softPrompt = getSoftPrompt();
        return fixedLayerPrefix != null || fixedLowRankUpdate != null
                || softPrompt != null && (softPrompt.getLayerPrefix() != null || softPrompt.getLowRankUpdate() != null);
    }

    /**
     * Encodes with the soft prompt's (or the fixed) layer prefix and low-rank update. The prefix is
     * computed in a scope, as {@link #injectPrompt} computes {@code P'}: the method's intermediate
     * arrays land on its parameters' manager, which lives as long as the model, so the scope closes
     * them here and a long run does not grow. The hidden state is handed to the caller's scope, if any.
     */
    private NDArray encodeWithInjections(ParameterStore ps, NDArray embeddings, NDArray mask, NDArray types,
            boolean training) {
        SoftPrompt softPrompt = getSoftPrompt();
        LayerPrefix layerPrefix = softPrompt != null ? softPrompt.getLayerPrefix() : null;
        LowRankUpdate softUpdate = softPrompt != null ? softPrompt.getLowRankUpdate() : null;
        LowRankUpdate update = softUpdate != null ? softUpdate : fixedLowRankUpdate;
        var device = embeddings.getDevice();
        fetchPromptParameters(ps, device, training);
        NDArray fixed = fixedLayerPrefix != null ? ps.getValue(fixedLayerPrefix, device, training) : null;
        NDArray hidden;
        try (NDScope scope = new NDScope()) {
            NDArray prefix = layerPrefix != null ? layerPrefix.computePrefix(ps, training) : fixed;
            hidden = encoder.encode(ps, embeddings, mask, types, new LayerInjections(prefix, update), training);
            NDScope.unregister(hidden);
        }
        NDScope.register(hidden);
        return hidden;
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
        SoftPrompt softPrompt = getSoftPrompt();
        LayerPrefix softPrefix = softPrompt != null ? softPrompt.getLayerPrefix() : null;
        LowRankUpdate softUpdate = softPrompt != null ? softPrompt.getLowRankUpdate() : null;
        String layers = (softPrefix != null ? ", layer prefix of " + layerPrefixLength + " per layer" : "")
                + (fixedLayerPrefix != null ? ", fixed layer prefix of " + layerPrefixLength + " per layer" : "")
                + (softUpdate != null ? ", low-rank update of " + targets(softUpdate) : "")
                + (fixedLowRankUpdate != null ? ", fixed low-rank update of " + targets(fixedLowRankUpdate) : "");
        return "PromptClassifier(" + describePrompt() + layers + ", " + encoder + ", " + numClasses + " classes"
                + (verbalizer != null ? ", " + verbalizer : "")
                + (placement != PromptPlacement.AFTER_CLS ? ", prompt " + placement.id() : "") + ")";
    }

    private static String targets(LowRankUpdate update) {
        return update.getTargets().stream().sorted().map(LinearTarget::id).collect(Collectors.joining(", "));
    }

    /** Fills the fixed layer prefix from PEFT's rows {@code (m, L·2·d)}. */
    private record LayerRows(PromptEmbeddings rows, int layers) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return LayerPrefix.fromPeftRows(rows.toNDArray(manager), layers).toType(dataType, true);
        }
    }

    /** Builds a {@link PromptClassifier}. */
    public static final class Builder {
        private @Nullable BertEncoder encoder;
        private int numClasses;
        private @Nullable SoftPrompt softPrompt;
        private @Nullable PromptEmbeddings fixedPrompt;
        private @Nullable Verbalizer verbalizer;
        private @Nullable PromptEmbeddings fixedLayerPrefix;
        private @Nullable LowRankUpdate fixedLowRankUpdate;
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
         * An exported layer prefix used as is in every layer (frozen), for inference: Hugging Face
         * PEFT's {@code PREFIX_TUNING} {@code prompt_embeddings}, shape {@code (m, L·2·d)} (see
         * {@link LayerPrefix#fromPeftRows}). Nothing is inserted at the input; the text's positions shift by
         * {@code m} (see {@link BertEncoder#encode(ParameterStore, NDArray, NDArray, NDArray,
         * LayerInjections, boolean)}).
         */
        public Builder optFixedLayerPrefix(PromptEmbeddings peftRows) {
            this.fixedLayerPrefix = Objects.requireNonNull(peftRows, "peftRows must not be null");
            return this;
        }

        /**
         * A trained low-rank update applied unmerged on every forward pass, for inference. Its
         * parameters stay where its owner keeps them: the classifier neither trains nor saves them.
         * To serve without its cost, merge it into the encoder instead ({@link BertEncoder#mergeLowRank}).
         */
        public Builder optLowRankUpdate(LowRankUpdate fixed) {
            this.fixedLowRankUpdate = Objects.requireNonNull(fixed, "fixed must not be null");
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
