package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.api.SoftPrompt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Text-to-text classification with a frozen T5, the prompt-tuning paper's set-up: a soft prompt
 * prepended to the encoder input (PEFT's {@code SEQ_2_SEQ_LM} convention), and each class a label
 * text (e.g. "entailment", "not_entailment") that the frozen decoder scores. The score of a class
 * is the log-likelihood of its label tokens ({@code </s>} included) by teacher forcing; all
 * classes of a batch are scored in one decoder pass, whose cross-attention reads each input's
 * encoder states once for all its label texts. {@code forward(ps, NDList(tokenIds,
 * attentionMask[, ignored]), training)} returns these scores {@code (B, C)}; the predicted class is
 * their argmax, and {@link #loss} is the cross-entropy of the gold label text (the mean negative
 * log-likelihood per gold label token, what transformers' {@code labels=} loss computes).
 *
 * <p>Three variants, as for {@link PromptClassifier}: a trainable {@link SoftPrompt} (any
 * reparameterizer: only {@code P} and Φ train), a fixed exported prompt {@code P'}, or none.
 * {@link #generate} decodes greedily, for free-text labels.
 *
 * <p>Texts must leave room for the prompt: tokenize with {@code maxTokens = maxLength -
 * getPromptLength()}.
 */
public final class TextToTextClassifier extends PromptedFrozenBlock {

    private static final byte VERSION = 1;
    private static final String WIDTH = "the T5 model has d_model";

    private final T5Model model;
    private final List<long[]> labelTokenIds;
    /** (C, L) row-major: label tokens padded with 0, the decoder inputs (labels shifted right), the mask. */
    private final long[] labels;
    private final long[] decoderInputs;
    private final float[] labelMask;
    private final int labelLength;

    private TextToTextClassifier(Builder builder) {
        super(VERSION, Objects.requireNonNull(builder.model,
                "TextToTextClassifier.builder(): setModel(...) is required"));
        this.model = Objects.requireNonNull(builder.model);
        if (builder.labelTokenIds.isEmpty()) {
            throw new PeftException("TextToTextClassifier needs at least one label text; call setLabelTokenIds");
        }
        checkOnePrompt("TextToTextClassifier", builder.softPrompt, builder.fixedPrompt);
        this.labelTokenIds = checkLabels(builder.labelTokenIds, model.getConfig());
        int classes = labelTokenIds.size();
        this.labelLength = labelTokenIds.stream().mapToInt(l -> l.length).max().orElse(1);
        this.labels = new long[classes * labelLength];
        this.decoderInputs = new long[classes * labelLength];
        this.labelMask = new float[classes * labelLength];
        for (int c = 0; c < classes; c++) {
            long[] label = labelTokenIds.get(c);
            decoderInputs[c * labelLength] = model.getConfig().decoderStartTokenId();
            for (int t = 0; t < label.length; t++) {
                labels[c * labelLength + t] = label[t];
                labelMask[c * labelLength + t] = 1f;
                if (t + 1 < labelLength) {
                    decoderInputs[c * labelLength + t + 1] = label[t];
                }
            }
        }
        int d = model.getHiddenSize();
        if (builder.softPrompt != null) {
            checkWidth(builder.softPrompt.getPromptShape().width(), d, WIDTH);
            if (builder.softPrompt.getTextEmbeddingUpdate() != null) {
                // only P' goes in here: a text update would silently not be applied, nor trained
                throw new PeftException("TextToTextClassifier: the soft prompt's method also updates the text's "
                        + "input embeddings (TextEmbeddingUpdate, as DePT does), which the T5 path does not support "
                        + "yet; use a method that only prepends a prompt, or a BERT encoder with PromptClassifier");
            }
            refuseLayerMethods(builder.softPrompt);
            addSoftPrompt(builder.softPrompt);
        } else if (builder.fixedPrompt != null) {
            checkWidth(builder.fixedPrompt.shape().width(), d, WIDTH);
            addFixedPrompt(builder.fixedPrompt);
        }
        addChildBlock("model", model);
    }

    /** Prefix tuning and LoRA act inside the layers, which the T5 path cannot take: it would train nothing of them. */
    private static void refuseLayerMethods(SoftPrompt prompt) {
        @Nullable String reason = prompt.getLayerPrefix() != null ? "a key/value prefix inside every attention layer"
                : prompt.getLowRankUpdate() != null ? "a low-rank update of the linear layers"
                : !prompt.insertsInputPrompt() ? "no prompt at the input" : null;
        if (reason != null) {
            throw new PeftException("TextToTextClassifier: the soft prompt " + prompt + " places " + reason
                    + " (a layer method such as prefix tuning or LoRA), which the T5 path does not support; use "
                    + "PromptClassifier with a BERT encoder, or a method that prepends a prompt to the input");
        }
    }

    private static List<long[]> checkLabels(List<long[]> labels, T5Config config) {
        Set<List<Long>> seen = new HashSet<>();
        List<long[]> copies = new ArrayList<>();
        for (int c = 0; c < labels.size(); c++) {
            long[] label = labels.get(c);
            if (label.length == 0) {
                throw new PeftException("Label text " + c + " has no tokens; every class needs a non-empty label text");
            }
            for (long id : label) {
                if (id < 0 || id >= config.vocabSize()) {
                    throw new PeftException("Label text " + c + " has token id " + id + " outside the vocabulary of "
                            + config.vocabSize());
                }
            }
            if (!seen.add(Arrays.stream(label).boxed().toList())) {
                throw new PeftException("Label texts " + c + " and an earlier one tokenize to the same ids "
                        + Arrays.toString(label) + "; the classes could not be told apart. Choose distinct label texts.");
            }
            copies.add(label.clone());
        }
        return List.copyOf(copies);
    }

    /**
     * The token ids of label texts as the decoder must produce them: the texts' tokens followed by
     * {@code </s>} ({@code eos_token_id}).
     *
     * @throws PeftException for a blank label text
     */
    public static List<long[]> labelTokenIds(Backbone backbone, List<String> labelTexts) {
        List<long[]> ids = new ArrayList<>();
        int eos = backbone.getT5Model().orElseThrow(() -> new PeftException("Label texts are scored by a T5; "
                + backbone.getName() + " is not one")).getConfig().eosTokenId();
        for (String text : labelTexts) {
            if (text.isBlank()) {
                throw new PeftException("A label text is blank; every class needs a label text (got " + labelTexts + ")");
            }
            long[] tokens = backbone.getTokenizer().tokenIdsOf(text);
            long[] withEos = Arrays.copyOf(tokens, tokens.length + 1);
            withEos[tokens.length] = eos;
            ids.add(withEos);
        }
        return ids;
    }

    /** A builder; {@link Builder#setModel} and {@link Builder#setLabelTokenIds} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The frozen T5. */
    public T5Model getModel() {
        return model;
    }

    /** The number of classes {@code C}. */
    public int getNumClasses() {
        return labelTokenIds.size();
    }

    /** Each class's label token ids ({@code </s>} included), copies. */
    public List<long[]> getLabelTokenIds() {
        return labelTokenIds.stream().map(long[]::clone).toList();
    }

    /**
     * The encoder's output for a batch with the prompt prepended, and the extended mask.
     *
     * @return {@code NDList(hidden (B, n + T, d), mask (B, n + T))}
     */
    public NDList encode(ParameterStore ps, NDArray tokenIds, NDArray attentionMask, boolean training) {
        int promptLength = getPromptLength();
        long total = tokenIds.getShape().get(1) + promptLength;
        if (total > model.getMaxPositions()) {
            throw new ShapeMismatchException("TextToTextClassifier: " + tokenIds.getShape().get(1) + " tokens plus a "
                    + "prompt of " + promptLength + " make " + total + " positions, more than the model's "
                    + model.getMaxPositions() + ". Tokenize with maxTokens = maxLength - " + promptLength + ".");
        }
        NDArray embeddings = model.embedTokens(ps, tokenIds);
        NDArray mask = attentionMask;
        if (promptLength > 0) {
            // T5 has no token types; the prompt goes first (PEFT's SEQ_2_SEQ_LM)
            NDList injected = injectPrompt(ps, embeddings, mask, null, 0, training);
            embeddings = injected.get(0);
            mask = injected.get(1);
        }
        return new NDList(model.encode(ps, embeddings, mask, training), mask);
    }

    /**
     * The log-likelihood of every class's label text for every input, {@code (B, C)}, from one
     * decoder pass over the {@code B * C} (input, label) pairs ({@link T5Model#decode} with
     * {@code R = C}).
     */
    public NDArray scores(ParameterStore ps, NDArray tokenIds, NDArray attentionMask, boolean training) {
        NDList encoded = encode(ps, tokenIds, attentionMask, training);
        NDArray hidden = encoded.get(0);
        NDArray mask = encoded.get(1);
        long batch = hidden.getShape().get(0);
        int classes = getNumClasses();
        NDManager manager = tokenIds.getManager();
        Shape perClass = new Shape(classes, labelLength);
        NDArray target = manager.create(labels, perClass);
        NDArray inputs = manager.create(decoderInputs, perClass);
        NDArray weights = manager.create(labelMask, perClass);
        // every label once per input, row b * C + c; the decoder reads input b's encoder states without copies
        Shape paired = new Shape(batch * classes, labelLength);
        NDArray logProbs = model.logits(ps, model.decode(ps, inputs.expandDims(0).broadcast(
                new Shape(batch, classes, labelLength)).reshape(paired), hidden, mask, training))
                .logSoftmax(-1);
        NDArray tokens = logProbs.gather(target.expandDims(0).broadcast(new Shape(batch, classes, labelLength))
                .reshape(batch * classes, labelLength, 1), 2).reshape(paired);
        return tokens.mul(weights.expandDims(0).broadcast(new Shape(batch, classes, labelLength)).reshape(paired))
                .sum(new int[] {1}).reshape(batch, classes);
    }

    /**
     * The cross-entropy of the gold label texts: minus the sum of the gold classes' log-likelihoods
     * over the number of gold label tokens (the mean per token, as transformers computes it).
     *
     * @param scores {@link #scores} of a batch, {@code (B, C)}
     * @param gold   each input's class
     */
    public NDArray loss(NDArray scores, long[] gold) {
        long tokens = 0;
        for (long c : gold) {
            if (c < 0 || c >= getNumClasses()) {
                throw new PeftException("Gold class " + c + " is outside the " + getNumClasses() + " label texts");
            }
            tokens += labelTokenIds.get((int) c).length;
        }
        NDManager manager = scores.getManager();
        NDArray index = manager.create(gold, new Shape(gold.length, 1)).toDevice(scores.getDevice(), false);
        // a libtorch scalar, not div(Number): autograd keeps the divisor for backward (see T5Model.constant)
        NDArray perToken = manager.full(new Shape(), -1f / tokens, scores.getDataType(), scores.getDevice());
        return scores.gather(index, 1).sum().mul(perToken);
    }

    /**
     * Greedy decoding: for each input the most likely tokens, one at a time, until {@code </s>} or
     * {@code maxNewTokens}. The returned ids exclude the start token and {@code </s>}.
     */
    public List<long[]> generate(ParameterStore ps, NDArray tokenIds, NDArray attentionMask, int maxNewTokens) {
        NDList encoded = encode(ps, tokenIds, attentionMask, false);
        int batch = (int) tokenIds.getShape().get(0);
        int eos = model.getConfig().eosTokenId();
        List<List<Long>> outputs = new ArrayList<>();
        boolean[] done = new boolean[batch];
        long[] prefix = new long[batch];
        Arrays.fill(prefix, model.getConfig().decoderStartTokenId());
        for (int b = 0; b < batch; b++) {
            outputs.add(new ArrayList<>());
        }
        int steps = 0;
        NDManager manager = tokenIds.getManager();
        while (steps < maxNewTokens && !allTrue(done)) {
            steps++;
            try (NDScope scope = new NDScope()) {
                NDArray inputs = manager.create(prefix, new Shape(batch, steps));
                NDArray hidden = model.decode(ps, inputs, encoded.get(0), encoded.get(1), false);
                long[] next = model.logits(ps, hidden.get(":, -1, :")).argMax(-1).toLongArray();
                long[] longer = new long[batch * (steps + 1)];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(prefix, b * steps, longer, b * (steps + 1), steps);
                    longer[b * (steps + 1) + steps] = next[b];
                    if (!done[b]) {
                        if (next[b] == eos) {
                            done[b] = true;
                        } else {
                            outputs.get(b).add(next[b]);
                        }
                    }
                }
                prefix = longer;
            }
        }
        return outputs.stream().map(o -> o.stream().mapToLong(Long::longValue).toArray()).toList();
    }

    private static boolean allTrue(boolean[] values) {
        for (boolean value : values) {
            if (!value) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            @Nullable PairList<String, Object> params) {
        if (inputs.size() < 2) {
            throw new ShapeMismatchException("TextToTextClassifier.forward expects NDList(tokenIds, attentionMask[, "
                    + "tokenTypeIds]), got " + inputs.size() + " arrays");
        }
        return new NDList(scores(ps, inputs.get(0), inputs.get(1), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), getNumClasses())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        initializePrompt(manager, dataType);
        // the model was filled and frozen when it was loaded
    }

    @Override
    public String toString() {
        return "TextToTextClassifier(" + describePrompt() + ", " + model + ", " + getNumClasses() + " label texts)";
    }

    /** Builds a {@link TextToTextClassifier}. */
    public static final class Builder {
        private @Nullable T5Model model;
        private List<long[]> labelTokenIds = List.of();
        private @Nullable SoftPrompt softPrompt;
        private @Nullable PromptEmbeddings fixedPrompt;

        private Builder() {}

        /** The frozen T5, from {@link Backbone#getT5Model()}; required. */
        public Builder setModel(T5Model model) {
            this.model = Objects.requireNonNull(model, "model must not be null");
            return this;
        }

        /**
         * Each class's label token ids, {@code </s>} included ({@link #labelTokenIds(Backbone, List)}
         * makes them from texts); required, distinct and non-empty.
         */
        public Builder setLabelTokenIds(List<long[]> labelTokenIds) {
            this.labelTokenIds = List.copyOf(labelTokenIds);
            return this;
        }

        /** A trainable prompt of the model's width. */
        public Builder optSoftPrompt(SoftPrompt softPrompt) {
            this.softPrompt = Objects.requireNonNull(softPrompt, "softPrompt must not be null");
            return this;
        }

        /** An exported prompt {@code P'} used as is (frozen, no Φ), for inference. */
        public Builder optFixedPrompt(PromptEmbeddings embeddings) {
            this.fixedPrompt = Objects.requireNonNull(embeddings, "embeddings must not be null");
            return this;
        }

        /** Builds the classifier; initialize it before use. */
        public TextToTextClassifier build() {
            return new TextToTextClassifier(this);
        }
    }
}
