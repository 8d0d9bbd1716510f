package dev.peft4j.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptInjection;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.EncodedBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Text embeddings from a frozen backbone with a prompt adapter applied: for a bare prompt adapter
 * folder ({@code adapter_config.json} and {@code adapter_model.safetensors} with
 * {@code peft_type PROMPT_TUNING} or {@code P_TUNING}, as Hugging Face PEFT or peft4j write it;
 * tensors beside {@code prompt_embeddings}, such as a PEFT {@code SEQ_CLS} classifier, are
 * ignored) that has no task head, so a host can put its own classifier, index or similarity
 * search on top.
 *
 * <p>The adapter must fit the backbone: {@code token_dim} must be its width (else a
 * {@link dev.peft4j.api.ShapeMismatchException} naming both), {@code num_layers} and
 * {@code num_attention_heads}, when given, its own, and {@code num_virtual_tokens} must leave room
 * for text. Configs of other PEFT types (LORA, ...) are refused as not being prompt adapters.
 *
 * <p><b>Where the prompt goes</b> ({@link PromptPlacement}). {@link PromptPlacement#AFTER_CLS}
 * gives {@code [CLS] P' text [SEP]}, peft4j's convention (the paper's BERT recipe). Hugging Face
 * PEFT prepends virtual tokens to the whole input, {@code P' [CLS] text [SEP]}
 * ({@link PromptPlacement#BEFORE_INPUT}). By default the folder decides: a peft4j export's
 * {@code peft4j.json} records the placement it was trained with ({@code after-cls} when it predates
 * the record), and a folder without that file, as PEFT saves one, gets PEFT's placement;
 * {@link Builder#optPlacement} overrides. Either way positions are numbered over the whole
 * sequence and the prompt is segment 0.
 *
 * <p><b>Pooling.</b> {@link Pooling#CLS} (the default) returns the last hidden state of the
 * {@code [CLS]} token (wherever the placement puts it), what peft4j's classification head reads
 * after {@code [CLS]} (before the input the head reads position 0, the first prompt vector);
 * {@link Pooling#MEAN} averages the text tokens' states ({@code [CLS]} and {@code [SEP]}
 * included, padding and prompt vectors excluded), as sentence-transformers models such as
 * all-MiniLM-L6-v2 do.
 *
 * <p>Texts are truncated to the backbone's positions minus the prompt (or the
 * {@link Builder#optMaxLength max length} given); blank texts are refused. Thread-safe like
 * {@link Predictor}; closing frees the prompt but never the backbone.
 */
public final class PromptedEncoder implements AutoCloseable {

    /** How a sequence's hidden states become one vector. */
    public enum Pooling {
        /** The {@code [CLS]} token's last hidden state. */
        CLS,
        /** The mean of the text tokens' last hidden states (no padding, no prompt vectors). */
        MEAN
    }

    private static final int BATCH_SIZE = Predictor.DEFAULT_BATCH_SIZE;

    private final Path folder;
    private final PromptAdapter adapter;
    private final Backbone backbone;
    private final Pooling pooling;
    private final PromptPlacement placement;
    private final int maxTokens;
    private final NDManager manager;
    private final NDArray prompt;
    private final ParameterStore parameterStore;
    private final UseGuard guard;

    private PromptedEncoder(Builder builder) {
        this.folder = Objects.requireNonNull(builder.folder, "PromptedEncoder.builder(): setAdapterFolder(...) is required");
        this.backbone = Objects.requireNonNull(builder.backbone, "PromptedEncoder.builder(): setBackbone(...) is required");
        this.pooling = builder.pooling;
        this.adapter = PromptAdapterFiles.read(folder);
        // a peft4j export says where its prompt goes; a folder PEFT saved gets PEFT's placement
        PromptPlacement chosen = builder.placement != null ? builder.placement : ExportFolder.recordedPlacement(folder);
        this.placement = chosen != null ? chosen : PromptPlacement.BEFORE_INPUT;
        Compatibility.check(adapter.config(), backbone, folder, 3);
        int n = adapter.config().numVirtualTokens();
        int positions = backbone.getEncoder().getMaxPositions();
        int maxLength = builder.maxLength == 0 ? positions : builder.maxLength;
        if (maxLength > positions || maxLength - n < 3) {
            throw new PeftException("PromptedEncoder: max length " + maxLength + " with a prompt of " + n
                    + " vectors does not fit the backbone '" + backbone.getName() + "'; choose a max length in ["
                    + (n + 3) + ", " + positions + "].");
        }
        this.maxTokens = maxLength - n;
        this.guard = new UseGuard("This prompted encoder is closed (adapter " + folder + "); open a new one with "
                + "PromptedEncoder.open(...) to embed again.");
        this.manager = backbone.getManager().newSubManager();
        this.prompt = adapter.embeddings().toNDArray(manager);
        this.parameterStore = new ParameterStore(manager, false);
    }

    /**
     * Opens a prompt adapter folder on {@code backbone}, with the prompt where the folder says (a
     * peft4j export's placement, PEFT's for a folder without {@code peft4j.json}) and {@code [CLS]}
     * pooling. The backbone stays the caller's: close it after this encoder.
     *
     * @throws dev.peft4j.api.PromptFormatException when the folder or a file is missing or corrupt, or
     *     the adapter is not a prompt adapter
     * @throws dev.peft4j.api.ShapeMismatchException when the prompt's width is not the backbone's
     */
    public static PromptedEncoder open(Path adapterFolder, Backbone backbone) {
        return builder().setAdapterFolder(adapterFolder).setBackbone(backbone).build();
    }

    /** A builder; {@link Builder#setAdapterFolder} and {@link Builder#setBackbone} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The adapter read from the folder (config and {@code P'}). */
    public PromptAdapter getAdapter() {
        return adapter;
    }

    /** The length of every embedding: the backbone's width. */
    public int getDimension() {
        return backbone.getEncoder().getHiddenSize();
    }

    /** How sequences are pooled. */
    public Pooling getPooling() {
        return pooling;
    }

    /** Where the prompt goes. */
    public PromptPlacement getPlacement() {
        return placement;
    }

    /** The most text tokens ({@code [CLS]} and {@code [SEP]} included) kept per input. */
    public int getMaxTokens() {
        return maxTokens;
    }

    /**
     * The embedding of one text.
     *
     * @throws PeftException for a blank text or when closed
     */
    public float[] embed(String text) {
        return embedAll(List.of(text)).get(0);
    }

    /**
     * The embedding of one text pair, encoded as {@code [CLS] textA [SEP] textB [SEP]}.
     *
     * @throws PeftException for a blank text or when closed
     */
    public float[] embed(String textA, String textB) {
        return embedPairs(List.of(textA), List.of(textB)).get(0);
    }

    /**
     * The embeddings of texts, in input order, computed in batches of 32.
     *
     * @throws PeftException for a blank text (naming its index) or when closed
     */
    public List<float[]> embedAll(List<String> texts) {
        return run(texts.size(), (from, to) -> backbone.getTokenizer().encode(texts.subList(from, to), maxTokens));
    }

    /**
     * The embeddings of text pairs, {@code first.get(i)} with {@code second.get(i)}, in input order.
     *
     * @throws PeftException for lists of different sizes, a blank text or when closed
     */
    public List<float[]> embedPairs(List<String> first, List<String> second) {
        if (first.size() != second.size()) {
            throw new PeftException("embedPairs: " + first.size() + " first texts but " + second.size()
                    + " second texts; pass one second text per first text.");
        }
        return run(first.size(), (from, to) -> backbone.getTokenizer().encodePairs(
                first.subList(from, to), second.subList(from, to), maxTokens));
    }

    private List<float[]> run(int count, Batches.Encoder tokenize) {
        if (count == 0) {
            return List.of();
        }
        return guard.use(() -> {
            if (!backbone.getManager().isOpen()) {
                throw new PeftException("The backbone '" + backbone.getName() + "' was closed before the prompted "
                        + "encoder for " + folder + ". Close the encoder first.");
            }
            int d = getDimension();
            return Batches.run(count, BATCH_SIZE, tokenize, this::forward,
                    (flat, row) -> Arrays.copyOfRange(flat, row * d, (row + 1) * d));
        });
    }

    private float[] forward(EncodedBatch batch) {
        var encoder = backbone.getEncoder();
        int n = adapter.config().numVirtualTokens();
        int position = placement.insertionIndex();
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDList inputs = batch.toNDList(step);
            NDArray embeddings = encoder.embedTokens(parameterStore, inputs.get(0));
            NDList injected = PromptInjection.inject(prompt, embeddings, inputs.get(1), inputs.get(2), position);
            NDArray hidden = encoder.encode(parameterStore, injected.get(0), injected.get(1), injected.get(2), false);
            NDArray pooled;
            if (pooling == Pooling.CLS) {
                pooled = hidden.get(new NDIndex(":, {}, :", placement.clsIndex(n)));
            } else {
                long length = hidden.getShape().get(1);
                float[] notPrompt = new float[(int) length];
                Arrays.fill(notPrompt, 1f);
                Arrays.fill(notPrompt, position, position + n, 0f);
                NDArray weights = injected.get(1).toType(DataType.FLOAT32, false)
                        .mul(step.create(notPrompt).toDevice(hidden.getDevice(), false));
                pooled = hidden.mul(weights.expandDims(2)).sum(new int[] {1})
                        .div(weights.sum(new int[] {1}).expandDims(1));
            }
            return pooled.toFloatArray();
        }
    }

    /** Waits for calls in flight and frees the prompt; the backbone stays open. Idempotent. */
    @Override
    public void close() {
        guard.close(manager::close);
    }

    @Override
    public String toString() {
        return "PromptedEncoder(" + folder + ", " + adapter.config().promptShape() + ", " + placement + ", " + pooling
                + ", " + backbone.getName() + ")";
    }

    /** Builds a {@link PromptedEncoder}. */
    public static final class Builder {
        private @Nullable Path folder;
        private @Nullable Backbone backbone;
        private Pooling pooling = Pooling.CLS;
        private @Nullable PromptPlacement placement;
        private int maxLength;

        private Builder() {}

        /** The prompt adapter folder; required. */
        public Builder setAdapterFolder(Path adapterFolder) {
            this.folder = Objects.requireNonNull(adapterFolder, "adapterFolder");
            return this;
        }

        /** The backbone the prompt was trained on; required. It stays the caller's to close. */
        public Builder setBackbone(Backbone backbone) {
            this.backbone = Objects.requireNonNull(backbone, "backbone");
            return this;
        }

        /** How sequences are pooled; {@link Pooling#CLS} by default. */
        public Builder optPooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /**
         * Where the prompt goes; by default the placement a peft4j export records, or
         * {@link PromptPlacement#BEFORE_INPUT} (Hugging Face PEFT's) for a folder without
         * {@code peft4j.json}.
         */
        public Builder optPlacement(PromptPlacement placement) {
            this.placement = Objects.requireNonNull(placement, "placement");
            return this;
        }

        /** Positions per sequence, prompt included; the backbone's maximum by default. */
        public Builder optMaxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        /**
         * Reads the adapter and checks it against the backbone.
         *
         * @throws PeftException as {@link PromptedEncoder#open} does
         */
        public PromptedEncoder build() {
            return new PromptedEncoder(this);
        }
    }
}
