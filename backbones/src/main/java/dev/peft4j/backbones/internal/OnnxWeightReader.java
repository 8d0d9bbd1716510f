package dev.peft4j.backbones.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.peft4j.backbones.BackboneException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the weights of a BERT encoder exported to ONNX by PyTorch (the layout of the
 * langchain4j embedding artifacts) straight from the protobuf wire format, with no generated
 * classes. Only what is needed is decoded: {@code ModelProto.graph} (field 7); in the graph its
 * nodes (1: input 1, output 2, name 3, op_type 4) and initializers (5: TensorProto with dims 1,
 * data_type 2, float_data 4, name 8, raw_data 9, data_location 14). Field numbers follow
 * {@code onnx/onnx.proto}.
 *
 * <p>PyTorch's exporter stores each linear layer's weight as an anonymous {@code onnx::MatMul_NNN}
 * initializer of shape {@code [in, out]}; it is named after the MatMul node that consumes it
 * ({@code /encoder/layer.3/attention/self/query/MatMul} becomes
 * {@code encoder.layer.3.attention.self.query.weight}) and transposed to PyTorch's
 * {@code [out, in]}. Named initializers keep their names. Non-float initializers (the int64
 * {@code position_ids} buffer) are skipped.
 */
public final class OnnxWeightReader {

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int NODE_INPUT = 1;
    private static final int NODE_NAME = 3;
    private static final int NODE_OP_TYPE = 4;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_DATA_TYPE = 2;
    private static final int TENSOR_FLOAT_DATA = 4;
    private static final int TENSOR_NAME = 8;
    private static final int TENSOR_RAW_DATA = 9;
    private static final int TENSOR_DATA_LOCATION = 14;
    private static final int ONNX_FLOAT = 1;

    private OnnxWeightReader() {}

    /**
     * Reads every float initializer of the ONNX model in {@code in} onto {@code manager}, named
     * as in a Hugging Face BERT state dict (without a {@code bert.} prefix).
     *
     * @param in      the ONNX file; read to the end, not closed
     * @param source  where the file came from, for messages
     * @param manager where the arrays are created
     * @throws BackboneException when the file is truncated, corrupt or not a PyTorch BERT export
     */
    public static Map<String, NDArray> read(InputStream in, String source, NDManager manager) {
        Graph graph;
        try {
            graph = readModel(CodedInputStream.newInstance(in), source);
        } catch (IOException e) {
            throw new BackboneException("Cannot read the ONNX model " + source + ": it is truncated or corrupt ("
                    + e.getMessage() + "). Re-download the artifact or file (delete it from ~/.m2 for a Maven "
                    + "artifact) and try again.", e);
        }
        Map<String, String> anonymousNames = nameAnonymousWeights(graph);
        Map<String, NDArray> result = new LinkedHashMap<>();
        for (Tensor tensor : graph.tensors) {
            if (tensor.dataType != ONNX_FLOAT) {
                continue;
            }
            String name = anonymousNames.get(tensor.name);
            if (name != null) {
                result.put(name, transposed(tensor, manager, source));
            } else {
                result.put(tensor.name, asArray(tensor, manager, source));
            }
        }
        if (result.isEmpty()) {
            throw new BackboneException("The ONNX model " + source + " holds no float weights; it is not a "
                    + "PyTorch-exported BERT encoder (or it stores its weights in external files).");
        }
        return result;
    }

    private static Map<String, String> nameAnonymousWeights(Graph graph) {
        Map<String, String> names = new LinkedHashMap<>();
        java.util.Set<String> initializers = new java.util.HashSet<>();
        for (Tensor t : graph.tensors) {
            initializers.add(t.name);
        }
        for (Node node : graph.nodes) {
            if (!"MatMul".equals(node.opType) || node.inputs.size() != 2 || node.name.isEmpty()) {
                continue;
            }
            String weight = node.inputs.get(1);
            if (!initializers.contains(weight) || !weight.startsWith("onnx::")) {
                continue;
            }
            String path = node.name.startsWith("/") ? node.name.substring(1) : node.name;
            if (path.endsWith("/MatMul")) {
                path = path.substring(0, path.length() - "/MatMul".length());
            }
            names.put(weight, path.replace('/', '.') + ".weight");
        }
        return names;
    }

    private static FloatBuffer floats(Tensor tensor, String source) {
        long count = 1;
        for (long d : tensor.dims) {
            count *= d;
        }
        FloatBuffer values;
        if (tensor.raw != null) {
            values = tensor.raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        } else {
            values = FloatBuffer.wrap(tensor.floatData.toArray());
        }
        if (values.remaining() != count) {
            throw new BackboneException("The ONNX model " + source + " is corrupt: initializer '" + tensor.name
                    + "' has shape " + new Shape(tensor.dims) + " (" + count + " values) but holds "
                    + values.remaining() + " values. Re-download the file.");
        }
        return values;
    }

    private static NDArray asArray(Tensor tensor, NDManager manager, String source) {
        FloatBuffer values = floats(tensor, source);
        float[] data = new float[values.remaining()];
        values.get(data);
        return manager.create(data, new Shape(tensor.dims));
    }

    /** An [in, out] MatMul weight as PyTorch's [out, in], transposed on the host. */
    private static NDArray transposed(Tensor tensor, NDManager manager, String source) {
        if (tensor.dims.length != 2) {
            throw new BackboneException("The ONNX model " + source + ": MatMul weight '" + tensor.name
                    + "' should be 2-dimensional, got shape " + new Shape(tensor.dims));
        }
        FloatBuffer values = floats(tensor, source);
        int rows = Math.toIntExact(tensor.dims[0]);
        int cols = Math.toIntExact(tensor.dims[1]);
        float[] data = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                data[j * rows + i] = values.get(i * cols + j);
            }
        }
        return manager.create(data, new Shape(cols, rows));
    }

    private static Graph readModel(CodedInputStream in, String source) throws IOException {
        in.setSizeLimit(Integer.MAX_VALUE);
        Graph graph = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            if (WireFormat.getTagFieldNumber(tag) == MODEL_GRAPH
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                graph = readGraph(in);
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                break;
            }
        }
        if (graph == null) {
            throw new BackboneException("The file " + source + " is not an ONNX model: it has no graph. "
                    + "Pass an .onnx file exported from a BERT model.");
        }
        return graph;
    }

    private static Graph readGraph(CodedInputStream in) throws IOException {
        Graph graph = new Graph();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            boolean delimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            if (delimited && field == GRAPH_NODE) {
                int limit = in.pushLimit(in.readRawVarint32());
                graph.nodes.add(readNode(in));
                in.popLimit(limit);
            } else if (delimited && field == GRAPH_INITIALIZER) {
                int limit = in.pushLimit(in.readRawVarint32());
                graph.tensors.add(readTensor(in));
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return graph;
    }

    private static Node readNode(CodedInputStream in) throws IOException {
        Node node = new Node();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case NODE_INPUT -> node.inputs.add(in.readStringRequireUtf8());
                case NODE_NAME -> node.name = in.readStringRequireUtf8();
                case NODE_OP_TYPE -> node.opType = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        return node;
    }

    private static Tensor readTensor(CodedInputStream in) throws IOException {
        Tensor tensor = new Tensor();
        List<Long> dims = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int wireType = WireFormat.getTagWireType(tag);
            switch (WireFormat.getTagFieldNumber(tag)) {
                case TENSOR_DIMS -> {
                    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            dims.add(in.readInt64());
                        }
                        in.popLimit(limit);
                    } else {
                        dims.add(in.readInt64());
                    }
                }
                case TENSOR_DATA_TYPE -> tensor.dataType = in.readInt32();
                case TENSOR_FLOAT_DATA -> {
                    if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                        int limit = in.pushLimit(in.readRawVarint32());
                        while (!in.isAtEnd()) {
                            tensor.floatData.add(in.readFloat());
                        }
                        in.popLimit(limit);
                    } else {
                        tensor.floatData.add(in.readFloat());
                    }
                }
                case TENSOR_NAME -> tensor.name = in.readStringRequireUtf8();
                case TENSOR_RAW_DATA -> tensor.raw = in.readBytes();
                case TENSOR_DATA_LOCATION -> {
                    if (in.readEnum() != 0) {
                        throw new IOException("initializer '" + tensor.name + "' is stored in an external file, "
                                + "which peft4j does not read; export the model with its weights inside");
                    }
                }
                default -> in.skipField(tag);
            }
        }
        tensor.dims = dims.stream().mapToLong(Long::longValue).toArray();
        return tensor;
    }

    private static final class Graph {
        final List<Node> nodes = new ArrayList<>();
        final List<Tensor> tensors = new ArrayList<>();
    }

    private static final class Node {
        final List<String> inputs = new ArrayList<>();
        String name = "";
        String opType = "";
    }

    private static final class Tensor {
        String name = "";
        int dataType;
        long[] dims = new long[0];
        @Nullable ByteString raw;
        final FloatList floatData = new FloatList();
    }

    /** A growable float array, to avoid boxing for float_data. */
    private static final class FloatList {
        private float[] values = new float[0];
        private int size;

        void add(float value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, Math.max(16, size * 2));
            }
            values[size++] = value;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
