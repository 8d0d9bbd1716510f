package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.peft4j.api.PromptableEncoder;
import dev.peft4j.api.ShapeMismatchException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A frozen T5 encoder-decoder in the Hugging Face layout ({@code T5ForConditionalGeneration}),
 * written from NDArray operations: a shared embedding table, an encoder and a decoder stack of
 * pre-norm blocks (RMS layer norm without mean or bias, attention without {@code 1/sqrt(d_kv)}
 * scaling, relative position buckets learnt in block 0 of each stack and reused by the later
 * blocks: bidirectional in the encoder, causal in the decoder, none in cross-attention), then
 * the output layer: tied models (T5 v1.0) scale the decoder output by {@code d^-0.5} and multiply
 * by the embedding table, untied ones (v1.1, flan-t5) use their own {@code lm_head}. No dropout:
 * the backbone always behaves as in evaluation.
 *
 * <p><b>Prompt convention.</b> As a {@link PromptableEncoder} this is T5's encoder: a prompt goes
 * before the first token ({@link dev.peft4j.api.PromptInjection#inject} at position 0), as Hugging
 * Face PEFT does for {@code SEQ_2_SEQ_LM} prompt tuning; T5 has no absolute positions and the
 * relative ones are computed over the whole sequence, prompt included. Segment ids are ignored.
 *
 * <p>All parameters are frozen; gradients still flow to the inputs (a prompt). As a DJL block,
 * {@code forward(ps, NDList(inputIds, attentionMask, decoderInputIds))} returns the logits
 * {@code (B, L, V)}. Obtain instances from {@link Backbones#load} on a T5 folder ({@link Backbone#getT5Model()}).
 */
public final class T5Model extends AbstractBlock implements PromptableEncoder {

    private static final byte VERSION = 1;
    private static final float MASKED = -Float.MAX_VALUE;

    private final T5Config config;
    private final @Nullable TextTokenizer tokenizer;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    /** Bucket tables by (query length, key length, causal), computed on the host once per shape. */
    private final Map<List<Integer>, long[]> buckets = new ConcurrentHashMap<>();

    /**
     * Builds the model and fills it with {@code weights} (Hugging Face names; duplicates such as
     * {@code encoder.embed_tokens.weight} and an old decoder cross-attention bias are ignored),
     * then freezes it.
     *
     * @throws ShapeMismatchException listing every missing or misshapen tensor
     * @throws BackboneException      naming the tensors that hold NaN or infinite values
     */
    T5Model(T5Config config, Map<String, NDArray> weights, @Nullable TextTokenizer tokenizer, NDManager manager,
            String source) {
        super(VERSION);
        this.config = config;
        this.tokenizer = tokenizer;
        Map<String, Shape> expected = expectedShapes(config);
        List<String> problems = LoadedWeights.shapeProblems(expected, weights);
        if (!problems.isEmpty()) {
            throw new ShapeMismatchException(LoadedWeights.appendProblems(new StringBuilder("The T5 weights in ")
                    .append(source).append(" do not match their configuration: ").append(problems.size())
                    .append(" tensor(s) differ"), problems)
                    + "\nMake config.json (d_model, d_kv, num_heads, d_ff, num_layers, num_decoder_layers, vocab_size, "
                    + "feed_forward_proj, tie_word_embeddings) describe the same model as the weight file.");
        }
        LoadedWeights.checkFinite(expected.keySet(), weights, source);
        for (Map.Entry<String, Shape> entry : expected.entrySet()) {
            NDArray value = weights.get(entry.getKey());
            parameters.put(entry.getKey(), addParameter(Parameter.builder()
                    .setName(entry.getKey())
                    .setType(Parameter.Type.WEIGHT)
                    .optShape(entry.getValue())
                    .optInitializer(new LoadedWeights.Preset("T5Model", value))
                    .build()));
        }
        initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        freezeParameters(true);
    }

    /** The tensor names and shapes a model of {@code config} needs, in Hugging Face's order. */
    static Map<String, Shape> expectedShapes(T5Config config) {
        long d = config.dModel();
        long inner = config.innerDim();
        long ff = config.dFf();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("shared.weight", new Shape(config.vocabSize(), d));
        for (boolean decoder : new boolean[] {false, true}) {
            String stack = decoder ? "decoder." : "encoder.";
            int blocks = decoder ? config.numDecoderLayers() : config.numLayers();
            for (int i = 0; i < blocks; i++) {
                String block = stack + "block." + i + ".layer.";
                List<String> attentions = decoder ? List.of("0.SelfAttention", "1.EncDecAttention")
                        : List.of("0.SelfAttention");
                for (String attention : attentions) {
                    for (String projection : List.of("q", "k", "v")) {
                        shapes.put(block + attention + "." + projection + ".weight", new Shape(inner, d));
                    }
                    shapes.put(block + attention + ".o.weight", new Shape(d, inner));
                    if (i == 0 && attention.endsWith("SelfAttention")) {
                        shapes.put(block + attention + ".relative_attention_bias.weight",
                                new Shape(config.numBuckets(), config.numHeads()));
                    }
                    shapes.put(block + attention.charAt(0) + ".layer_norm.weight", new Shape(d));
                }
                String ffn = block + (decoder ? "2" : "1") + ".";
                if (config.feedForward() == T5Config.FeedForward.RELU) {
                    shapes.put(ffn + "DenseReluDense.wi.weight", new Shape(ff, d));
                } else {
                    shapes.put(ffn + "DenseReluDense.wi_0.weight", new Shape(ff, d));
                    shapes.put(ffn + "DenseReluDense.wi_1.weight", new Shape(ff, d));
                }
                shapes.put(ffn + "DenseReluDense.wo.weight", new Shape(d, ff));
                shapes.put(ffn + "layer_norm.weight", new Shape(d));
            }
            shapes.put(stack + "final_layer_norm.weight", new Shape(d));
        }
        if (!config.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(config.vocabSize(), d));
        }
        return shapes;
    }

    /** The configuration this model was built from. */
    public T5Config getConfig() {
        return config;
    }

    /** Every parameter under its Hugging Face name (as in a {@code T5ForConditionalGeneration} state dict). */
    public Map<String, Parameter> parametersByHuggingFaceName() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public int getHiddenSize() {
        return config.dModel();
    }

    @Override
    public int getMaxPositions() {
        return config.maxPositions();
    }

    @Override
    public int getVocabularySize() {
        return config.vocabSize();
    }

    @Override
    public NDArray getVocabularyEmbeddings() {
        return parameters.get("shared.weight").getArray();
    }

    /**
     * {@inheritDoc}
     *
     * @throws BackboneException when the model was loaded without a {@code tokenizer.json}
     */
    @Override
    public long[] tokenIdsOf(String text) {
        if (tokenizer == null) {
            throw new BackboneException("This T5 model was loaded without a tokenizer.json, so it cannot tokenize '"
                    + text + "'. Put the model's tokenizer.json in its folder (tokenizer.save_pretrained(folder)).");
        }
        return tokenizer.tokenIdsOf(text);
    }

    @Override
    public NDArray embedTokens(ParameterStore parameterStore, NDArray tokenIds) {
        NDArray table = parameterStore.getValue(parameters.get("shared.weight"), tokenIds.getDevice(), false);
        return Embedding.embedding(tokenIds, table, SparseFormat.DENSE).singletonOrThrow();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The T5 encoder's last hidden state (after its final layer norm); {@code tokenTypeIds} is
     * ignored (T5 has no segments).
     */
    @Override
    public NDArray encode(ParameterStore parameterStore, NDArray inputEmbeddings, NDArray attentionMask,
            NDArray tokenTypeIds, boolean training) {
        return encode(parameterStore, inputEmbeddings, attentionMask, training);
    }

    /**
     * Runs the encoder stack on input embeddings {@code (B, T, d)} (tokens, or a prompt and
     * tokens) with an attention mask {@code (B, T)} (1 for positions to attend to).
     *
     * @return the last hidden state {@code (B, T, d)}, after the encoder's final layer norm
     * @throws ShapeMismatchException when the shapes disagree or {@code T} exceeds {@link #getMaxPositions()}
     */
    public NDArray encode(ParameterStore parameterStore, NDArray inputEmbeddings, NDArray attentionMask,
            boolean training) {
        Shape shape = inputEmbeddings.getShape();
        if (shape.dimension() != 3 || shape.get(2) != config.dModel()) {
            throw new ShapeMismatchException("T5Model.encode: input embeddings must have shape (B, T, "
                    + config.dModel() + "), got " + shape);
        }
        if (!attentionMask.getShape().equals(new Shape(shape.get(0), shape.get(1)))) {
            throw new ShapeMismatchException("T5Model.encode: the attention mask " + attentionMask.getShape()
                    + " must have shape (B, T) = " + new Shape(shape.get(0), shape.get(1)));
        }
        if (shape.get(1) > config.maxPositions()) {
            throw new ShapeMismatchException("T5Model.encode: " + shape.get(1) + " positions (tokens plus prompt) "
                    + "exceed the " + config.maxPositions() + " this model accepts (n_positions); tokenize with "
                    + "maxTokens = maxLength - promptLength.");
        }
        int length = (int) shape.get(1);
        // position bias and padding mask, computed once and shared by every block (as Hugging Face does)
        NDArray bias = positionBias(parameterStore, inputEmbeddings, "encoder.", length, length, false)
                .add(paddingMask(attentionMask));
        NDArray x = inputEmbeddings;
        for (int i = 0; i < config.numLayers(); i++) {
            String block = "encoder.block." + i + ".layer.";
            x = x.add(attention(parameterStore, block + "0.SelfAttention.",
                    norm(parameterStore, x, block + "0.layer_norm.weight"), null, bias));
            x = x.add(feedForward(parameterStore, block + "1.", norm(parameterStore, x, block + "1.layer_norm.weight")));
        }
        return norm(parameterStore, x, "encoder.final_layer_norm.weight");
    }

    /**
     * Runs the decoder stack on {@code decoderInputIds} {@code (B * R, L)} (int64; the start token
     * 0 first) against the encoder's output {@code (B, T, d)} and its mask {@code (B, T)}. With
     * {@code R > 1} several decoder inputs share one encoder input: decoder row {@code b * R + r}
     * attends to encoder row {@code b}, whose keys and values are computed once (text-to-text
     * scoring decodes every label text of an input this way). Causal: position {@code t} sees
     * decoder inputs {@code 0..t}, so padding at the end of shorter rows changes nothing before it.
     *
     * @return the decoder's hidden state {@code (B * R, L, d)}, after its final layer norm
     */
    public NDArray decode(ParameterStore parameterStore, NDArray decoderInputIds, NDArray encoderHidden,
            NDArray encoderMask, boolean training) {
        Shape ids = decoderInputIds.getShape();
        Shape hidden = encoderHidden.getShape();
        if (ids.dimension() != 2 || hidden.dimension() != 3 || hidden.get(0) == 0 || ids.get(0) % hidden.get(0) != 0
                || !encoderMask.getShape().equals(new Shape(hidden.get(0), hidden.get(1)))) {
            throw new ShapeMismatchException("T5Model.decode: decoder input ids " + ids + " (B * R, L), encoder states "
                    + hidden + " (B, T, d) and encoder mask " + encoderMask.getShape() + " (B, T) disagree");
        }
        long repeats = ids.get(0) / hidden.get(0);
        int length = (int) ids.get(1);
        NDArray x = embedTokens(parameterStore, decoderInputIds);
        NDArray selfBias = positionBias(parameterStore, x, "decoder.", length, length, true);
        NDArray crossMask = paddingMask(encoderMask);
        for (int i = 0; i < config.numDecoderLayers(); i++) {
            String block = "decoder.block." + i + ".layer.";
            x = x.add(attention(parameterStore, block + "0.SelfAttention.",
                    norm(parameterStore, x, block + "0.layer_norm.weight"), null, selfBias));
            NDArray normed = norm(parameterStore, x, block + "1.layer_norm.weight");
            x = x.add(repeats == 1
                    ? attention(parameterStore, block + "1.EncDecAttention.", normed, encoderHidden, crossMask)
                    : sharedCrossAttention(parameterStore, block + "1.EncDecAttention.", normed, encoderHidden,
                            crossMask, repeats));
            x = x.add(feedForward(parameterStore, block + "2.", norm(parameterStore, x, block + "2.layer_norm.weight")));
        }
        return norm(parameterStore, x, "decoder.final_layer_norm.weight");
    }

    /**
     * The vocabulary logits {@code (..., V)} of decoder states {@code (..., d)}: tied models scale
     * the states by {@code d^-0.5} and multiply by the embedding table, untied ones apply
     * {@code lm_head}.
     */
    public NDArray logits(ParameterStore parameterStore, NDArray decoderHidden) {
        Device device = decoderHidden.getDevice();
        if (config.tieWordEmbeddings()) {
            NDArray table = parameterStore.getValue(parameters.get("shared.weight"), device, false);
            return Linear.linear(decoderHidden.mul(constant(decoderHidden, (float) Math.pow(config.dModel(), -0.5))),
                    table).head();
        }
        NDArray head = parameterStore.getValue(parameters.get("lm_head.weight"), device, false);
        return Linear.linear(decoderHidden, head).head();
    }

    /**
     * A scalar made by libtorch for an operand on the gradient path. DJL wraps a Number operand
     * ({@code x.mul(0.5f)}) in a tensor over a Java buffer that it frees at once, while autograd
     * keeps it for backward (see BertLayer); adding a Number is safe, its backward needs no operand.
     */
    private static NDArray constant(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType(), like.getDevice());
    }

    /** RMS layer norm in float32: {@code w * x / sqrt(mean(x^2) + eps)}, no mean, no bias. */
    private NDArray norm(ParameterStore ps, NDArray x, String weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        NDArray normalized = x.div(variance.add(config.layerNormEps()).sqrt());
        return normalized.mul(ps.getValue(parameters.get(weight), x.getDevice(), false));
    }

    /**
     * Multi-head attention of {@code x} over {@code source} ({@code x} itself when null) with an
     * additive {@code bias} broadcastable to {@code (B, H, Tq, Tk)}; no score scaling.
     */
    private NDArray attention(ParameterStore ps, String prefix, NDArray x, @Nullable NDArray source, NDArray bias) {
        NDArray kv = source == null ? x : source;
        long batch = x.getShape().get(0);
        long queries = x.getShape().get(1);
        long keys = kv.getShape().get(1);
        int heads = config.numHeads();
        NDArray q = heads(project(ps, x, prefix + "q.weight"), batch, queries);
        NDArray k = heads(project(ps, kv, prefix + "k.weight"), batch, keys);
        NDArray v = heads(project(ps, kv, prefix + "v.weight"), batch, keys);
        NDArray weights = q.matMul(k.transpose(0, 1, 3, 2)).add(bias).softmax(-1);
        NDArray context = weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, queries, config.innerDim());
        return project(ps, context, prefix + "o.weight");
    }

    /**
     * Cross-attention of {@code x} {@code (B * R, L, d)} over {@code source} {@code (B, T, d)}, each
     * group of {@code R} rows over one source row: keys and values are projected once per source
     * row and broadcast in the products, never copied {@code R} times.
     */
    private NDArray sharedCrossAttention(ParameterStore ps, String prefix, NDArray x, NDArray source,
            NDArray paddingMask, long repeats) {
        long sources = source.getShape().get(0);
        long queries = x.getShape().get(1);
        long keys = source.getShape().get(1);
        int heads = config.numHeads();
        // (B, R, H, L, dKv) against (B, 1, H, T, dKv)
        NDArray q = heads(project(ps, x, prefix + "q.weight"), sources * repeats, queries)
                .reshape(sources, repeats, heads, queries, config.dKv());
        NDArray k = heads(project(ps, source, prefix + "k.weight"), sources, keys).expandDims(1);
        NDArray v = heads(project(ps, source, prefix + "v.weight"), sources, keys).expandDims(1);
        NDArray bias = paddingMask.reshape(sources, 1, 1, 1, keys);
        NDArray weights = q.matMul(k.transpose(0, 1, 2, 4, 3)).add(bias).softmax(-1);
        NDArray context = weights.matMul(v).reshape(sources * repeats, heads, queries, config.dKv())
                .transpose(0, 2, 1, 3).reshape(sources * repeats, queries, config.innerDim());
        return project(ps, context, prefix + "o.weight");
    }

    /** {@code (B, T, H * dKv)} to {@code (B, H, T, dKv)}: head h owns features {@code h*dKv .. (h+1)*dKv-1}. */
    private NDArray heads(NDArray x, long batch, long length) {
        return x.reshape(batch, length, config.numHeads(), config.dKv()).transpose(0, 2, 1, 3);
    }

    private NDArray project(ParameterStore ps, NDArray x, String weight) {
        return Linear.linear(x, ps.getValue(parameters.get(weight), x.getDevice(), false)).head();
    }

    private NDArray feedForward(ParameterStore ps, String prefix, NDArray x) {
        String dense = prefix + "DenseReluDense.";
        NDArray hidden;
        if (config.feedForward() == T5Config.FeedForward.RELU) {
            hidden = Activation.relu(project(ps, x, dense + "wi.weight"));
        } else {
            hidden = geluTanh(project(ps, x, dense + "wi_0.weight")).mul(project(ps, x, dense + "wi_1.weight"));
        }
        return project(ps, hidden, dense + "wo.weight");
    }

    /** Hugging Face's {@code gelu_new}: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    private static NDArray geluTanh(NDArray x) {
        NDArray cube = x.mul(x).mul(x);
        NDArray inner = cube.mul(constant(x, 0.044715f)).add(x).mul(constant(x, (float) Math.sqrt(2.0 / Math.PI)));
        return x.mul(constant(x, 0.5f)).mul(inner.tanh().add(1f));
    }

    /** {@code (B, 1, 1, T)}: 0 where attended, the most negative float on padding keys. */
    private static NDArray paddingMask(NDArray attentionMask) {
        Shape shape = attentionMask.getShape();
        return attentionMask.toType(DataType.FLOAT32, false).neg().add(1f).mul(MASKED)
                .reshape(shape.get(0), 1, 1, shape.get(1));
    }

    /**
     * The learnt relative-position bias of a stack's block 0 {@code (1, H, Tq, Tk)}; in the
     * decoder with the causal mask added (keys after the query get the most negative float).
     */
    private NDArray positionBias(ParameterStore ps, NDArray like, String stack, int queries, int keys,
            boolean causal) {
        long[] table = buckets.computeIfAbsent(List.of(queries, keys, causal ? 1 : 0), shape -> {
            long[] values = new long[queries * keys];
            for (int q = 0; q < queries; q++) {
                for (int k = 0; k < keys; k++) {
                    values[q * keys + k] = relativePositionBucket(k - q, !causal, config.numBuckets(),
                            config.maxDistance());
                }
            }
            return values;
        });
        NDManager manager = like.getManager();
        Device device = like.getDevice();
        NDArray weights = ps.getValue(parameters.get(stack + "block.0.layer.0.SelfAttention.relative_attention_bias"
                + ".weight"), device, false);
        NDArray index = manager.create(table, new Shape(queries * (long) keys)).toDevice(device, false);
        // looked up through the index (the step's array), so the result lands on the step's manager, not the model's
        NDArray bias = Embedding.embedding(index, weights, SparseFormat.DENSE).singletonOrThrow()
                .reshape(queries, keys, config.numHeads()).transpose(2, 0, 1).expandDims(0);
        if (!causal) {
            return bias;
        }
        NDArray positions = manager.arange(0, queries, 1, DataType.INT64, device);
        NDArray future = positions.reshape(1, keys).gt(positions.reshape(queries, 1));
        return bias.add(future.toType(DataType.FLOAT32, false).mul(MASKED));
    }

    /**
     * Hugging Face's {@code _relative_position_bucket}: the bucket of {@code relativePosition =
     * key - query}. Bidirectional (encoder): half the buckets for keys at or before the query, half
     * (offset by {@code numBuckets / 2}) for keys after; unidirectional (decoder): later keys all
     * share bucket 0. Of each range, the first half is exact and the rest logarithmic up to
     * {@code maxDistance}, capped at the range's last bucket. The logarithm is taken in float32
     * and truncated, as in transformers.
     */
    public static int relativePositionBucket(int relativePosition, boolean bidirectional, int numBuckets,
            int maxDistance) {
        int bucket = 0;
        int range = numBuckets;
        int n;
        if (bidirectional) {
            range /= 2;
            if (relativePosition > 0) {
                bucket += range;
            }
            n = Math.abs(relativePosition);
        } else {
            n = Math.max(-relativePosition, 0);
        }
        int maxExact = range / 2;
        if (n < maxExact) {
            return bucket + n;
        }
        float scaled = (float) Math.log((float) n / maxExact) / (float) Math.log((float) maxDistance / maxExact)
                * (range - maxExact);
        return bucket + Math.min(maxExact + (int) scaled, range - 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            @Nullable PairList<String, Object> params) {
        if (inputs.size() != 3) {
            throw new ShapeMismatchException("T5Model.forward expects NDList(inputIds, attentionMask, decoderInputIds), "
                    + "got " + inputs.size() + " arrays");
        }
        NDArray mask = inputs.get(1);
        NDArray hidden = encode(parameterStore, embedTokens(parameterStore, inputs.get(0)), mask, training);
        return new NDList(logits(parameterStore, decode(parameterStore, inputs.get(2), hidden, mask, training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape decoder = inputShapes.length > 2 ? inputShapes[2] : inputShapes[0];
        return new Shape[] {new Shape(decoder.get(0), decoder.get(1), config.vocabSize())};
    }

    @Override
    public String toString() {
        return "T5Model" + config;
    }
}
