package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.peft4j.api.ShapeMismatchException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * BERT's masked-language-model head over the encoder's hidden states: {@code t = LayerNorm(GELU(h
 * W + b))} (exact erf GELU), then {@code logits = t E^T + bias}, where {@code E} is the encoder's
 * word-embedding table (the decoder is tied to it). Frozen like the encoder.
 *
 * <p>As a DJL block, {@code forward(ps, NDList(hidden))} with {@code hidden} of shape
 * {@code (..., d)}, e.g. {@code (B, T, d)} or the states at the mask positions {@code (B, d)},
 * returns {@code NDList(logits (..., vocabularySize))}. Obtain it from
 * {@link Backbone#getMlmHead()}; it is valid while its backbone is open.
 */
public final class MlmHead extends AbstractBlock {

    private static final byte VERSION = 1;

    private final BertConfig config;
    private final Parameter wordEmbeddings;
    private final Linear transform;
    private final LayerNorm norm;
    private final Parameter bias;

    /**
     * Builds the head from {@code weights} ({@code cls.predictions.transform.dense.weight} and
     * {@code .bias}, {@code cls.predictions.transform.LayerNorm.weight} and {@code .bias},
     * {@code cls.predictions.bias}), tied to {@code encoder}'s word embeddings, and freezes it.
     *
     * @throws ShapeMismatchException naming every missing or misshapen tensor
     */
    MlmHead(BertConfig config, Map<String, NDArray> weights, BertEncoder encoder, NDManager manager, String source) {
        super(VERSION);
        this.config = config;
        int d = config.hiddenSize();
        wordEmbeddings = encoder.parametersByHuggingFaceName().get("embeddings.word_embeddings.weight");
        transform = addChildBlock("transform", Linear.builder().setUnits(d).build());
        norm = addChildBlock("transformLayerNorm",
                LayerNorm.builder().axis(1).optEpsilon(config.layerNormEps()).build());
        bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(config.vocabSize())).build());
        Map<String, Parameter> byName = parametersByHuggingFaceName();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : byName.entrySet()) {
            Shape expected = expectedShape(entry.getKey());
            NDArray array = weights.get(entry.getKey());
            if (array == null) {
                problems.add(entry.getKey() + ": missing (expected " + expected + ")");
            } else if (!array.getShape().equals(expected)) {
                problems.add(entry.getKey() + ": expected " + expected + ", found " + array.getShape());
            } else {
                entry.getValue().setInitializer(new Preset(array));
            }
        }
        if (!problems.isEmpty()) {
            throw new ShapeMismatchException("The MLM head weights in " + source + " do not match the encoder:\n  "
                    + String.join("\n  ", problems));
        }
        initialize(manager, DataType.FLOAT32, new Shape(1, d));
        freezeParameters(true);
    }

    /** The head's own parameters under their Hugging Face names ({@code BertForMaskedLM}). */
    public Map<String, Parameter> parametersByHuggingFaceName() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        BertLayer.linear(map, "cls.predictions.transform.dense", transform);
        BertLayer.norm(map, "cls.predictions.transform.LayerNorm", norm);
        map.put("cls.predictions.bias", bias);
        return map;
    }

    private Shape expectedShape(String name) {
        long d = config.hiddenSize();
        return switch (name) {
            case "cls.predictions.transform.dense.weight" -> new Shape(d, d);
            case "cls.predictions.bias" -> new Shape(config.vocabSize());
            default -> new Shape(d);
        };
    }

    /**
     * The vocabulary logits for hidden states {@code (..., d)}.
     *
     * @throws ShapeMismatchException when the last dimension is not the hidden size
     */
    public NDArray logits(ParameterStore parameterStore, NDArray hidden, boolean training) {
        return forward(parameterStore, new NDList(hidden), training).head();
    }

    /**
     * The logits of only the vocabulary entries {@code tokenIds} for hidden states {@code (N, d)}:
     * {@code (N, tokenIds.length)}, the same values as the matching columns of
     * {@link #logits}, without computing the other rows of the vocabulary (a verbalizer scores a
     * handful of label words out of tens of thousands).
     *
     * @throws ShapeMismatchException when {@code hidden} is not {@code (N, d)}
     * @throws IllegalArgumentException when a token id is outside the vocabulary
     */
    public NDArray logitsOf(ParameterStore parameterStore, NDArray hidden, long[] tokenIds, boolean training) {
        Shape shape = hidden.getShape();
        long d = config.hiddenSize();
        if (shape.dimension() != 2 || shape.get(1) != d) {
            throw new ShapeMismatchException("MlmHead.logitsOf: hidden states must have shape (N, " + d + "), got "
                    + shape);
        }
        for (long id : tokenIds) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("MlmHead.logitsOf: token id " + id + " is outside the vocabulary "
                        + "of " + config.vocabSize());
            }
        }
        NDArray x = Activation.gelu(transform.forward(parameterStore, new NDList(hidden), training).head());
        x = norm.forward(parameterStore, new NDList(x), training).head();
        var device = x.getDevice();
        NDArray table = parameterStore.getValue(wordEmbeddings, device, training);
        NDArray allBias = parameterStore.getValue(bias, device, training);
        NDArray ids = x.getManager().create(tokenIds);
        // (C, d) rows of the tied decoder and their C biases
        NDArray rows = table.get(ids);
        NDArray rowBias = allBias.get(ids);
        return x.matMul(rows.transpose()).add(rowBias);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        NDArray hidden = inputs.singletonOrThrow();
        Shape shape = hidden.getShape();
        long d = config.hiddenSize();
        if (shape.dimension() < 1 || shape.get(shape.dimension() - 1) != d) {
            throw new ShapeMismatchException("MlmHead: hidden states must have shape (..., " + d + "), got " + shape);
        }
        // (N, d) so that one LayerNorm axis serves any leading shape
        NDArray x = hidden.reshape(-1, d);
        x = Activation.gelu(transform.forward(parameterStore, new NDList(x), training).head());
        x = norm.forward(parameterStore, new NDList(x), training).head();
        var device = x.getDevice();
        NDArray table = parameterStore.getValue(wordEmbeddings, device, training);
        NDArray logits = x.matMul(table.transpose()).add(parameterStore.getValue(bias, device, training));
        long[] outShape = shape.getShape().clone();
        outShape[outShape.length - 1] = config.vocabSize();
        return new NDList(logits.reshape(new Shape(outShape)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long[] out = inputShapes[0].getShape().clone();
        out[out.length - 1] = config.vocabSize();
        return new Shape[] {new Shape(out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(1, config.hiddenSize());
        transform.initialize(manager, dataType, hidden);
        norm.initialize(manager, dataType, hidden);
    }

    @Override
    public String toString() {
        return "MlmHead(" + config.hiddenSize() + " -> " + config.vocabSize() + ")";
    }

    /** Hands a loaded array to a parameter at initialization. */
    private record Preset(NDArray value) implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            if (!value.getShape().equals(shape)) {
                throw new ShapeMismatchException("MlmHead: no loaded weight of shape " + shape + " for a parameter");
            }
            return value;
        }
    }
}
