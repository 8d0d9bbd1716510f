package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.peft4j.api.LayerInjections;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptableEncoder;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * A frozen BERT encoder in the Hugging Face layout, written from DJL {@code Linear} and
 * {@code LayerNorm} blocks and NDArray operations: word, position and token-type embeddings and
 * LayerNorm, then {@code numLayers} post-LayerNorm layers of multi-head self-attention (padding
 * keys masked with an additive {@code (1 - mask) * min_float}) and an exact (erf) GELU
 * feed-forward. It returns the last hidden state; there is no pooler, no MLM head and no dropout
 * (the backbone always behaves as in evaluation; {@code training} only records gradients).
 *
 * <p><b>Prompt convention.</b> By default a prompt {@code P'} is placed after {@code [CLS]}:
 * {@code [CLS] P' tokens [SEP]}, or for pairs {@code [CLS] P' a [SEP] b [SEP]}
 * ({@link dev.peft4j.api.PromptInjection#inject} at position 1). With
 * {@link dev.peft4j.api.PromptPlacement#BEFORE_INPUT} (Hugging Face PEFT's layout, position 0) the
 * prompt takes positions {@code 0..n-1} and {@code [CLS]} position {@code n}; the linear head of
 * {@link PromptClassifier} reads position 0 either way. {@link #encode} adds position and
 * token-type embeddings to every row, so a prompt vector at sequence position {@code 1 + i} gets
 * position embedding {@code 1 + i} and segment 0, exactly like a token there, and the text
 * tokens are shifted by the prompt length. A sequence, prompt included, must fit in
 * {@link #getMaxPositions()}; tokenize with {@code maxTokens = maxPositions - promptLength}.
 *
 * <p>All parameters are frozen ({@code freezeParameters(true)}): they get no gradient and no
 * optimizer changes them. Gradients still flow through the encoder to its inputs (a prompt).
 *
 * <p><b>Inside the layers.</b> {@link #encode(ParameterStore, NDArray, NDArray, NDArray,
 * LayerInjections, boolean)} also takes a method's per-layer key/value prefix (prefix tuning) and
 * low-rank update of the linear layers (LoRA); gradients flow to both. {@link #mergeLowRank} adds a
 * trained update into the weights for serving at plain cost and restores them when closed.
 *
 * <p>As a DJL {@link ai.djl.nn.Block}, {@code forward(ps, NDList(tokenIds, attentionMask,
 * tokenTypeIds))} (int64 {@code (B, T)} each) returns {@code NDList(lastHiddenState (B, T, d))}.
 * Obtain instances from {@link Backbones#load}.
 */
public final class BertEncoder extends AbstractBlock implements PromptableEncoder {

    private static final byte VERSION = 1;

    private final BertConfig config;
    private final TextTokenizer tokenizer;
    private final Parameter wordEmbeddings;
    private final Parameter positionEmbeddings;
    private final Parameter tokenTypeEmbeddings;
    private final LayerNorm embeddingsNorm;
    private final List<BertLayer> layers = new ArrayList<>();
    // the low-rank update merged into the weights at the moment, if any (one at a time)
    private volatile @Nullable LowRankMerge activeMerge;

    /**
     * Builds the encoder and fills it with {@code weights} (Hugging Face names, no {@code bert.}
     * prefix; extra names such as the pooler are ignored), then freezes it. Each layer's query, key
     * and value tensors are concatenated into one and closed; the parameters become views of it.
     *
     * @throws ShapeMismatchException listing every missing tensor and every tensor whose shape
     *                                differs from what {@code config} implies
     * @throws BackboneException      naming the tensors that hold NaN or infinite values
     */
    BertEncoder(BertConfig config, Map<String, NDArray> weights, TextTokenizer tokenizer, NDManager manager,
            String source) {
        super(VERSION);
        this.config = config;
        this.tokenizer = tokenizer;
        int d = config.hiddenSize();
        wordEmbeddings = addParameter(embeddingParameter("wordEmbeddings", config.vocabSize(), d));
        positionEmbeddings = addParameter(embeddingParameter("positionEmbeddings", config.maxPositions(), d));
        tokenTypeEmbeddings = addParameter(embeddingParameter("tokenTypeEmbeddings", config.typeVocabSize(), d));
        embeddingsNorm = addChildBlock("embeddingsLayerNorm",
                LayerNorm.builder().axis(2).optEpsilon(config.layerNormEps()).build());
        for (int i = 0; i < config.numLayers(); i++) {
            layers.add(addChildBlock("layer" + i, new BertLayer(config)));
        }
        Map<String, Parameter> byName = parametersByHuggingFaceName();
        Map<String, Shape> expected = expectedShapes(config);
        checkWeights(expected, weights, source);
        LoadedWeights.checkFinite(expected.keySet(), weights, source);
        Map<String, NDArray> presets = new LinkedHashMap<>(weights);
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).fuseProjections(presets, "encoder.layer." + i + ".");
        }
        for (Map.Entry<String, Parameter> entry : byName.entrySet()) {
            entry.getValue().setInitializer(new LoadedWeights.Preset("BertEncoder", presets.get(entry.getKey())));
        }
        Shape ids = new Shape(1, 1);
        initialize(manager, DataType.FLOAT32, ids, ids, ids);
        freezeParameters(true);
    }

    private static Parameter embeddingParameter(String name, int rows, int width) {
        return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, width))
                .build();
    }

    /** The configuration this encoder was built from. */
    public BertConfig getConfig() {
        return config;
    }

    /** Every parameter under its Hugging Face name (as in a {@code BertModel} state dict). */
    public Map<String, Parameter> parametersByHuggingFaceName() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        map.put("embeddings.word_embeddings.weight", wordEmbeddings);
        map.put("embeddings.position_embeddings.weight", positionEmbeddings);
        map.put("embeddings.token_type_embeddings.weight", tokenTypeEmbeddings);
        BertLayer.norm(map, "embeddings.LayerNorm", embeddingsNorm);
        for (int i = 0; i < layers.size(); i++) {
            String prefix = "encoder.layer." + i + ".";
            layers.get(i).parametersByHuggingFaceName().forEach((k, v) -> map.put(prefix + k, v));
        }
        return Collections.unmodifiableMap(map);
    }

    /**
     * The tensor names and shapes a model of {@code config} needs, in Hugging Face's
     * {@code BertModel} naming (no {@code bert.} prefix), e.g. to write a folder of random weights.
     */
    public static Map<String, Shape> expectedShapes(BertConfig config) {
        long d = config.hiddenSize();
        long inner = config.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("embeddings.word_embeddings.weight", new Shape(config.vocabSize(), d));
        shapes.put("embeddings.position_embeddings.weight", new Shape(config.maxPositions(), d));
        shapes.put("embeddings.token_type_embeddings.weight", new Shape(config.typeVocabSize(), d));
        shapes.put("embeddings.LayerNorm.weight", new Shape(d));
        shapes.put("embeddings.LayerNorm.bias", new Shape(d));
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layer." + i + ".";
            for (String name : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                shapes.put(p + name + ".weight", new Shape(d, d));
                shapes.put(p + name + ".bias", new Shape(d));
            }
            shapes.put(p + "attention.output.LayerNorm.weight", new Shape(d));
            shapes.put(p + "attention.output.LayerNorm.bias", new Shape(d));
            shapes.put(p + "intermediate.dense.weight", new Shape(inner, d));
            shapes.put(p + "intermediate.dense.bias", new Shape(inner));
            shapes.put(p + "output.dense.weight", new Shape(d, inner));
            shapes.put(p + "output.dense.bias", new Shape(d));
            shapes.put(p + "output.LayerNorm.weight", new Shape(d));
            shapes.put(p + "output.LayerNorm.bias", new Shape(d));
        }
        return shapes;
    }

    private static void checkWeights(Map<String, Shape> expected, Map<String, NDArray> weights, String source) {
        List<String> problems = LoadedWeights.shapeProblems(expected, weights);
        if (problems.isEmpty()) {
            return;
        }
        // layers beyond the configured count are a common sign of a config/weights mismatch
        TreeSet<String> unexpectedLayers = new TreeSet<>();
        for (String name : weights.keySet()) {
            if (name.startsWith("encoder.layer.") && !expected.containsKey(name)) {
                unexpectedLayers.add(name.substring(0, name.indexOf('.', "encoder.layer.".length())));
            }
        }
        StringBuilder message = new StringBuilder("The weights in ").append(source)
                .append(" do not match their configuration: ").append(problems.size()).append(" tensor(s) differ");
        LoadedWeights.appendProblems(message, problems);
        if (!unexpectedLayers.isEmpty()) {
            message.append("\n  the file also has layers the configuration lacks: ").append(unexpectedLayers);
        }
        message.append("\nMake config.json (hidden_size, num_hidden_layers, intermediate_size, vocab_size, "
                + "max_position_embeddings, type_vocab_size) describe the same model as the weight file.");
        throw new ShapeMismatchException(message.toString());
    }

    @Override
    public int getHiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int getMaxPositions() {
        return config.maxPositions();
    }

    @Override
    public int getVocabularySize() {
        return config.vocabSize();
    }

    /** The number of transformer layers. */
    public int getNumLayers() {
        return config.numLayers();
    }

    /** The number of attention heads per layer. */
    public int getNumAttentionHeads() {
        return config.numHeads();
    }

    @Override
    public NDArray getVocabularyEmbeddings() {
        return wordEmbeddings.getArray();
    }

    @Override
    public long[] tokenIdsOf(String text) {
        return tokenizer.tokenIdsOf(text);
    }

    @Override
    public NDArray embedTokens(ParameterStore parameterStore, NDArray tokenIds) {
        NDArray table = parameterStore.getValue(wordEmbeddings, tokenIds.getDevice(), false);
        return Embedding.embedding(tokenIds, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Rows get position embeddings {@code 0..T-1} and the token-type embedding of their
     * segment id; see the class comment for where a prompt goes.
     *
     * @throws ShapeMismatchException when {@code T} exceeds {@link #getMaxPositions()}, the width is
     *                                not the hidden size, or the mask or segment ids have another shape
     */
    @Override
    public NDArray encode(
            ParameterStore parameterStore,
            NDArray inputEmbeddings,
            NDArray attentionMask,
            NDArray tokenTypeIds,
            boolean training) {
        checkInputs(inputEmbeddings.getShape(), attentionMask.getShape(), tokenTypeIds.getShape(), 0);
        NDArray x = embed(parameterStore, inputEmbeddings, tokenTypeIds, 0, training);
        NDArray additiveMask = additiveMask(attentionMask, 0);
        for (BertLayer layer : layers) {
            NDList layerInputs = additiveMask == null ? new NDList(x) : new NDList(x, additiveMask);
            x = layer.forward(parameterStore, layerInputs, training).head();
        }
        return x;
    }

    /**
     * {@inheritDoc}
     *
     * <p><b>Prefix.</b> Layer {@code l} prepends {@code prefix[l, 0]} to its projected keys and
     * {@code prefix[l, 1]} to its projected values, the same {@code m} rows for every sequence of
     * the batch; every query attends to them (the additive mask, when there is padding, gets
     * {@code m} zero columns in front). As in Hugging Face's {@code BertModel} given
     * {@code past_key_values} (what PEFT's prefix tuning passes), the text rows then get position
     * embeddings {@code m..m+T-1}, so {@code m + T} must fit in {@link #getMaxPositions()}.
     *
     * <p><b>Low-rank update.</b> For each targeted linear layer of every transformer layer,
     * {@link LowRankUpdate#computeDelta} of the layer's input is added to its output: for query,
     * key and value after the fused projection, before the heads are split (and before the queries
     * are scaled).
     *
     * <p>The intermediate arrays of the injected layers (some of which land on the managers of the
     * method's parameters) are closed when this returns; the result lives on the manager of
     * {@code inputEmbeddings}. With {@link LayerInjections#none()} this is exactly
     * {@link #encode(ParameterStore, NDArray, NDArray, NDArray, boolean)}.
     *
     * @throws ShapeMismatchException when the prefix does not have {@link #getNumLayers()} layers of
     *                                width {@link #getHiddenSize()}, or {@code m + T} exceeds the positions
     * @throws PeftException          when the update is merged into the weights at the moment
     *                                ({@link #mergeLowRank}): it would count twice
     */
    @Override
    public NDArray encode(
            ParameterStore parameterStore,
            NDArray inputEmbeddings,
            NDArray attentionMask,
            NDArray tokenTypeIds,
            LayerInjections injections,
            boolean training) {
        if (injections.isEmpty()) {
            return encode(parameterStore, inputEmbeddings, attentionMask, tokenTypeIds, training);
        }
        NDArray prefix = injections.prefix();
        LowRankUpdate update = injections.lowRankUpdate();
        int m = injections.prefixLength();
        if (prefix != null) {
            checkPrefix(prefix.getShape());
        }
        checkInputs(inputEmbeddings.getShape(), attentionMask.getShape(), tokenTypeIds.getShape(), m);
        LowRankMerge merged = activeMerge;
        if (update != null && merged != null && merged.getUpdate() == update) {
            throw new PeftException("BertEncoder.encode: this low-rank update is merged into the weights of " + this
                    + " at the moment, so applying it again would count it twice; encode without it, or close its "
                    + "LowRankMerge first");
        }
        // parameter stores that copy make their copies on first use: not inside the scope, which would close them
        var device = inputEmbeddings.getDevice();
        fetchParameters(parameterStore, this, device, training);
        if (update instanceof Block block) {
            fetchParameters(parameterStore, block, device, training);
        }
        NDArray x;
        try (NDScope scope = new NDScope()) {
            x = embed(parameterStore, inputEmbeddings, tokenTypeIds, m, training);
            NDArray additiveMask = additiveMask(attentionMask, m);
            for (int i = 0; i < layers.size(); i++) {
                NDArray keyValues = prefix == null ? null : prefix.get(new NDIndex("{}", i));
                x = layers.get(i).forward(parameterStore, x, additiveMask, keyValues, update, i, training);
            }
            NDScope.unregister(x);
        }
        NDScope.register(x);
        return x;
    }

    /**
     * Adds {@code update}'s weight change {@code s · B A} ({@link LowRankUpdate#computeWeightDelta})
     * into the frozen weights of its targets in every layer, in place (for query, key and value
     * into the fused projection tensor, whose row blocks the parameters are), so that
     * {@link #encode(ParameterStore, NDArray, NDArray, NDArray, boolean)} without injections gives
     * the update's outputs at no extra cost. Closing the returned {@link LowRankMerge} puts the
     * saved original values back, bit for bit. One update at a time: close the merge before
     * merging another. Parameter stores that hold copies of this encoder's weights (another device,
     * or {@code copy = true}) made before the merge do not see it.
     *
     * @param update         the update to merge; its values are read once, now
     * @param parameterStore where the update's parameter values are read from
     * @return the open merge; close it to restore the weights
     * @throws PeftException          when another merge is still open
     * @throws ShapeMismatchException when a weight change does not have its weight's shape; nothing is changed then
     */
    public synchronized LowRankMerge mergeLowRank(LowRankUpdate update, ParameterStore parameterStore) {
        LowRankMerge open = activeMerge;
        if (open != null) {
            throw new PeftException("BertEncoder.mergeLowRank: " + open + " is still merged into " + this
                    + "; close it first (that restores the weights), then merge another update");
        }
        Device device = wordEmbeddings.getArray().getDevice();
        if (update instanceof Block block) {
            fetchParameters(parameterStore, block, device, false);
        }
        List<NDArray> weights = new ArrayList<>();
        List<NDArray> deltas = new ArrayList<>();
        List<NDArray> originals = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            // every change is computed and checked before any weight is touched
            for (int i = 0; i < layers.size(); i++) {
                for (LinearTarget target : new TreeSet<>(update.getTargets())) {
                    NDArray weight = layers.get(i).weightOf(target).getArray();
                    NDArray delta = update.computeWeightDelta(parameterStore, i, target).stopGradient()
                            .toDevice(weight.getDevice(), false).toType(weight.getDataType(), false);
                    if (!delta.getShape().equals(weight.getShape())) {
                        throw new ShapeMismatchException("BertEncoder.mergeLowRank: " + update.getClass().getSimpleName()
                                + " gives layer " + i + "'s " + target.id() + " a weight change of shape "
                                + delta.getShape() + ", but the weight has shape " + weight.getShape()
                                + "; create the update for this backbone");
                    }
                    weights.add(weight);
                    deltas.add(delta);
                }
            }
            for (int j = 0; j < weights.size(); j++) {
                NDArray original = weights.get(j).duplicate();
                NDScope.unregister(original);
                originals.add(original);
                // in place: the query, key and value weights are views of the fused tensor the forward pass reads
                weights.get(j).addi(deltas.get(j));
            }
        }
        LowRankMerge merge = new LowRankMerge(update, weights, originals, this::mergeClosed);
        activeMerge = merge;
        return merge;
    }

    private synchronized void mergeClosed(LowRankMerge merge) {
        if (activeMerge == merge) {
            activeMerge = null;
        }
    }

    /** Fetches every parameter of {@code block} once, so that a copying store makes its copies now. */
    static void fetchParameters(ParameterStore parameterStore, Block block, Device device, boolean training) {
        for (var entry : block.getParameters()) {
            if (entry.getValue().isInitialized()) {
                parameterStore.getValue(entry.getValue(), device, training);
            }
        }
    }

    /**
     * Input embeddings plus position embeddings {@code offset..offset+T-1} and token-type
     * embeddings, then the embedding LayerNorm.
     */
    private NDArray embed(ParameterStore parameterStore, NDArray inputEmbeddings, NDArray tokenTypeIds, int offset,
            boolean training) {
        long length = inputEmbeddings.getShape().get(1);
        var device = inputEmbeddings.getDevice();
        NDManager manager = inputEmbeddings.getManager();
        NDArray positions = manager.arange(offset, (int) (offset + length), 1, DataType.INT64, device);
        NDArray positionTable = parameterStore.getValue(positionEmbeddings, device, training);
        NDArray typeTable = parameterStore.getValue(tokenTypeEmbeddings, device, training);
        NDArray x = inputEmbeddings
                .add(Embedding.embedding(positions, positionTable, SparseFormat.DENSE).singletonOrThrow())
                .add(Embedding.embedding(tokenTypeIds, typeTable, SparseFormat.DENSE).singletonOrThrow());
        return embeddingsNorm.forward(parameterStore, new NDList(x), training).head();
    }

    /**
     * A batch without padding gets no mask: adding zeros to every layer's scores costs a pass over
     * {@code (B, H, T, T)} each way. Otherwise {@code (B, 1, 1, m + T)}: 0 where attended (the
     * {@code m} prefix keys always), the most negative float on padding keys (as Hugging Face does),
     * built once for all layers.
     */
    private static @Nullable NDArray additiveMask(NDArray attentionMask, int prefixLength) {
        if (!hasPadding(attentionMask)) {
            return null;
        }
        long batch = attentionMask.getShape().get(0);
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
        if (prefixLength > 0) {
            mask = mask.getManager().ones(new Shape(batch, prefixLength), DataType.FLOAT32, mask.getDevice())
                    .concat(mask, 1);
        }
        return mask.neg().add(1f).mul(-Float.MAX_VALUE).reshape(batch, 1, 1, mask.getShape().get(1));
    }

    /** Whether any position of the 0/1 mask is 0 (one read back to the host per forward). */
    private static boolean hasPadding(NDArray attentionMask) {
        try (NDArray smallest = attentionMask.min()) {
            return smallest.toType(DataType.INT64, false).getLong() == 0;
        }
    }

    private void checkPrefix(Shape prefix) {
        if (prefix.get(0) != config.numLayers() || prefix.get(3) != config.hiddenSize()) {
            throw new ShapeMismatchException("BertEncoder.encode: a layer prefix for " + this + " must have shape ("
                    + config.numLayers() + ", 2, m, " + config.hiddenSize() + "), one key and value row set per "
                    + "layer of the model's width; got " + prefix + ". Create the prefix method for this backbone "
                    + "(its layer count and hidden size).");
        }
    }

    /** @param prefixLength positions the text is shifted by (a layer prefix's {@code m}) */
    private void checkInputs(Shape embeddings, Shape mask, Shape types, int prefixLength) {
        if (embeddings.dimension() != 3 || embeddings.get(2) != config.hiddenSize()) {
            throw new ShapeMismatchException("BertEncoder.encode: input embeddings must have shape (B, T, "
                    + config.hiddenSize() + "), got " + embeddings);
        }
        Shape expected = new Shape(embeddings.get(0), embeddings.get(1));
        if (!mask.equals(expected) || !types.equals(expected)) {
            throw new ShapeMismatchException("BertEncoder.encode: attention mask " + mask + " and token type ids "
                    + types + " must both have shape " + expected);
        }
        if (prefixLength > 0 && embeddings.get(1) + prefixLength > config.maxPositions()) {
            throw new ShapeMismatchException("BertEncoder.encode: a sequence of " + embeddings.get(1)
                    + " positions after a layer prefix of " + prefixLength + " (which shifts the text's positions, "
                    + "as in Hugging Face) exceeds the model's " + config.maxPositions() + " positions. Tokenize with "
                    + "maxTokens = " + config.maxPositions() + " - " + prefixLength + " so the text is truncated to fit.");
        }
        if (embeddings.get(1) > config.maxPositions()) {
            throw new ShapeMismatchException("BertEncoder.encode: a sequence of " + embeddings.get(1)
                    + " positions (tokens plus prompt) exceeds the model's " + config.maxPositions()
                    + " positions. Tokenize with maxTokens = " + config.maxPositions()
                    + " - promptLength so the text is truncated to fit.");
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new ShapeMismatchException("BertEncoder.forward expects NDList(tokenIds, attentionMask, "
                    + "tokenTypeIds), got " + inputs.size() + " arrays");
        }
        NDArray embeddings = embedTokens(parameterStore, inputs.get(0));
        return new NDList(encode(parameterStore, embeddings, inputs.get(1), inputs.get(2), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.hiddenSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(1, 1, config.hiddenSize());
        embeddingsNorm.initialize(manager, dataType, hidden);
        for (BertLayer layer : layers) {
            layer.initialize(manager, dataType, hidden);
        }
    }

    @Override
    public String toString() {
        return "BertEncoder" + config;
    }
}
