package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.ShapeMismatchException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One post-LayerNorm BERT layer: multi-head self-attention, add and LayerNorm, exact-GELU
 * feed-forward, add and LayerNorm. Input {@code (B, T, d)} and, when any key is padding, the
 * additive attention mask {@code (B, 1, 1, T)}; output {@code (B, T, d)}. {@link #forward(ParameterStore,
 * NDArray, NDArray, NDArray, LowRankUpdate, int, boolean)} also takes a method's key/value prefix and
 * low-rank update. The query, key and value
 * projections run as one product over their fused weights ({@link #fuseProjections}); the
 * {@code query}, {@code key} and {@code value} blocks only hold the parameters under their names.
 */
final class BertLayer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final BertConfig config;
    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear attentionOutput;
    private final LayerNorm attentionNorm;
    private final Linear intermediate;
    private final Linear output;
    private final LayerNorm outputNorm;
    // (3d, d) and (3d): the query, key and value weights and biases in one tensor each; the three
    // Linear blocks' parameters are views of their row blocks (see fuseProjections)
    private @Nullable NDArray projectionWeight;
    private @Nullable NDArray projectionBias;

    BertLayer(BertConfig config) {
        super(VERSION);
        this.config = config;
        int d = config.hiddenSize();
        query = addChildBlock("query", Linear.builder().setUnits(d).build());
        key = addChildBlock("key", Linear.builder().setUnits(d).build());
        value = addChildBlock("value", Linear.builder().setUnits(d).build());
        attentionOutput = addChildBlock("attentionOutput", Linear.builder().setUnits(d).build());
        attentionNorm = addChildBlock("attentionLayerNorm",
                LayerNorm.builder().axis(2).optEpsilon(config.layerNormEps()).build());
        intermediate = addChildBlock("intermediate", Linear.builder().setUnits(config.intermediateSize()).build());
        output = addChildBlock("output", Linear.builder().setUnits(d).build());
        outputNorm = addChildBlock("outputLayerNorm",
                LayerNorm.builder().axis(2).optEpsilon(config.layerNormEps()).build());
    }

    /** This layer's parameters under their Hugging Face names, relative to {@code encoder.layer.i.}. */
    Map<String, Parameter> parametersByHuggingFaceName() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        linear(map, "attention.self.query", query);
        linear(map, "attention.self.key", key);
        linear(map, "attention.self.value", value);
        linear(map, "attention.output.dense", attentionOutput);
        norm(map, "attention.output.LayerNorm", attentionNorm);
        linear(map, "intermediate.dense", intermediate);
        linear(map, "output.dense", output);
        norm(map, "output.LayerNorm", outputNorm);
        return map;
    }

    static void linear(Map<String, Parameter> map, String prefix, Linear block) {
        map.put(prefix + ".weight", block.getParameters().get("weight"));
        map.put(prefix + ".bias", block.getParameters().get("bias"));
    }

    static void norm(Map<String, Parameter> map, String prefix, LayerNorm block) {
        map.put(prefix + ".weight", block.getParameters().get("gamma"));
        map.put(prefix + ".bias", block.getParameters().get("beta"));
    }

    /**
     * Concatenates this layer's query, key and value weights and biases from {@code weights} into one
     * {@code (3d, d)} weight and one {@code (3d)} bias, so that the forward pass runs one product
     * instead of three, and puts row blocks of them (views, not copies) back into {@code weights}
     * under the Hugging Face names: the parameters then share the fused tensors' storage and still
     * read as the original values. The separate source tensors are closed.
     */
    void fuseProjections(Map<String, NDArray> weights, String prefix) {
        String[] names = {"attention.self.query", "attention.self.key", "attention.self.value"};
        for (String part : new String[] {".weight", ".bias"}) {
            NDList separate = new NDList();
            for (String name : names) {
                separate.add(weights.get(prefix + name + part));
            }
            NDArray fused = NDArrays.concat(separate, 0);
            separate.close();
            NDList blocks = fused.split(names.length, 0);
            for (int i = 0; i < names.length; i++) {
                weights.put(prefix + names[i] + part, blocks.get(i));
            }
            if (part.equals(".weight")) {
                projectionWeight = fused;
            } else {
                projectionBias = fused;
            }
        }
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        // absent when no key is padding: adding zeros would be a pass over (B, H, T, T) for nothing
        NDArray additiveMask = inputs.size() > 1 ? inputs.get(1) : null;
        return new NDList(forward(ps, inputs.get(0), additiveMask, null, null, -1, training));
    }

    /**
     * The layer with a method's injections: {@code keyValues} {@code (2, m, d)} prepended to the
     * projected keys and values of every sequence, and {@code update}'s deltas added to the
     * outputs of its targeted linear layers. Without either it is exactly the plain layer: the
     * checks below are Java branches, not tensor operations.
     *
     * @param additiveMask {@code (B, 1, 1, m + T)}, or {@code null} when no key is padding
     * @param index        this layer's number, passed to {@code update}
     */
    NDArray forward(ParameterStore ps, NDArray x, @Nullable NDArray additiveMask, @Nullable NDArray keyValues,
            @Nullable LowRankUpdate update, int index, boolean training) {
        long batch = x.getShape().get(0);
        long length = x.getShape().get(1);
        int heads = config.numHeads();
        int headSize = config.headSize();
        int d = config.hiddenSize();

        // one (B, T, 3d) product for Q, K and V, then views of its three column blocks
        NDArray projected = x.getNDArrayInternal().linear(x, fused(projectionWeight), fused(projectionBias)).head();
        NDList qkv = projected.split(3, 2);
        NDArray queries = plus(update, LinearTarget.QUERY, qkv.get(0), x, ps, index, training);
        NDArray keys = plus(update, LinearTarget.KEY, qkv.get(1), x, ps, index, training);
        NDArray values = plus(update, LinearTarget.VALUE, qkv.get(2), x, ps, index, training);
        long keyLength = length;
        if (keyValues != null) {
            // the same m projected keys and values in front of every sequence's own (a view, no copy per row)
            long m = keyValues.getShape().get(1);
            Shape rows = new Shape(batch, m, d);
            keys = keyValues.get(new NDIndex("0")).expandDims(0).broadcast(rows).concat(keys, 1);
            values = keyValues.get(new NDIndex("1")).expandDims(0).broadcast(rows).concat(values, 1);
            keyLength += m;
        }
        // Q is scaled by 1/sqrt(dh) before the product, a pass over (B, T, d) rather than over the
        // (B, H, T, T) scores. The divisor is a tensor made by libtorch (full), not x.div(Number):
        // DJL wraps a Number in a tensor over a Java direct buffer and closes it at once, yet autograd
        // keeps it for the backward pass of div, which then reads freed memory once the buffer is collected.
        NDArray divisor = x.getManager().full(new Shape(), (float) Math.sqrt(headSize), x.getDataType(), x.getDevice());
        NDArray q = heads(queries.div(divisor), batch, length, heads, headSize);
        NDArray k = heads(keys, batch, keyLength, heads, headSize);
        NDArray v = heads(values, batch, keyLength, heads, headSize);
        // scores (B, H, T, m + T) plus the mask, which is very negative on padding keys
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (additiveMask != null) {
            scores = scores.add(additiveMask);
        }
        NDArray context = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, length, d);
        NDArray attended = plus(update, LinearTarget.ATTENTION_OUTPUT,
                attentionOutput.forward(ps, new NDList(context), training).head(), context, ps, index, training).add(x);
        attended = attentionNorm.forward(ps, new NDList(attended), training).head();

        NDArray hidden = Activation.gelu(plus(update, LinearTarget.INTERMEDIATE,
                intermediate.forward(ps, new NDList(attended), training).head(), attended, ps, index, training));
        NDArray out = plus(update, LinearTarget.OUTPUT, output.forward(ps, new NDList(hidden), training).head(),
                hidden, ps, index, training).add(attended);
        return outputNorm.forward(ps, new NDList(out), training).head();
    }

    /** {@code linearOutput} plus {@code update}'s delta for {@code target}, or unchanged when it does not target it. */
    private NDArray plus(@Nullable LowRankUpdate update, LinearTarget target, NDArray linearOutput, NDArray input,
            ParameterStore ps, int index, boolean training) {
        if (update == null || !update.getTargets().contains(target)) {
            return linearOutput;
        }
        NDArray delta = update.computeDelta(ps, index, target, input, training);
        if (!delta.getShape().equals(linearOutput.getShape())) {
            throw new ShapeMismatchException("The low-rank update " + update.getClass().getSimpleName() + " gave "
                    + "layer " + index + "'s " + target.id() + " a change of shape " + delta.getShape() + " for an "
                    + "output of shape " + linearOutput.getShape() + "; create its factors for this backbone ("
                    + target.inFeatures(config.hiddenSize(), config.intermediateSize()) + " in, "
                    + target.outFeatures(config.hiddenSize(), config.intermediateSize()) + " out)");
        }
        return linearOutput.add(delta);
    }

    /** The weight parameter {@code (out, in)} of {@code target}; for query, key and value a view of the fused tensor. */
    Parameter weightOf(LinearTarget target) {
        Linear block = switch (target) {
            case QUERY -> query;
            case KEY -> key;
            case VALUE -> value;
            case ATTENTION_OUTPUT -> attentionOutput;
            case INTERMEDIATE -> intermediate;
            case OUTPUT -> output;
        };
        return block.getParameters().get("weight");
    }

    private static NDArray fused(@Nullable NDArray projection) {
        if (projection == null) {
            throw new IllegalStateException("BertLayer: the query, key and value projections were not fused at load");
        }
        return projection;
    }

    private static NDArray heads(NDArray x, long batch, long length, int heads, int headSize) {
        return x.reshape(batch, length, heads, headSize).transpose(0, 2, 1, 3);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape hidden = new Shape(1, 1, config.hiddenSize());
        query.initialize(manager, dataType, hidden);
        key.initialize(manager, dataType, hidden);
        value.initialize(manager, dataType, hidden);
        attentionOutput.initialize(manager, dataType, hidden);
        attentionNorm.initialize(manager, dataType, hidden);
        intermediate.initialize(manager, dataType, hidden);
        output.initialize(manager, dataType, new Shape(1, 1, config.intermediateSize()));
        outputNorm.initialize(manager, dataType, hidden);
    }
}
