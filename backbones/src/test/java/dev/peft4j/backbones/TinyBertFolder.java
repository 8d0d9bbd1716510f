package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Writes a tiny random BERT in the Hugging Face folder layout (config.json, model.safetensors
 * through DJL's encoder, and MiniLM's tokenizer.json), for loader tests without a download.
 */
final class TinyBertFolder {

    static final int HIDDEN = 8;
    static final int LAYERS = 2;
    static final int HEADS = 2;
    static final int INTERMEDIATE = 16;
    static final int POSITIONS = 40;
    static final int VOCAB = 30522;

    private TinyBertFolder() {}

    /** A consistent folder: every tensor matches the config; names carry a {@code bert.} prefix, plus a pooler. */
    static Path write(Path folder) throws IOException {
        return write(folder, UnaryOperator.identity());
    }

    /** A folder whose tensor shapes go through {@code reshape} (name-keyed edits make mismatches). */
    static Path write(Path folder, UnaryOperator<Map<String, Shape>> reshape) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "bert", "hidden_act": "gelu", "vocab_size": %d, "hidden_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "intermediate_size": %d,
                 "max_position_embeddings": %d, "type_vocab_size": 2, "layer_norm_eps": 1e-12}
                """.formatted(VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS));
        BertConfig config = new BertConfig(VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS, 2, 1e-12f);
        Map<String, Shape> shapes = new java.util.LinkedHashMap<>(BertEncoder.expectedShapes(config));
        shapes.put("pooler.dense.weight", new Shape(HIDDEN, HIDDEN));
        shapes = reshape.apply(shapes);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            manager.getEngine().setRandomSeed(7);
            NDList tensors = new NDList();
            for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
                NDArray array = entry.getKey().endsWith("LayerNorm.weight")
                        ? manager.ones(entry.getValue())
                        : manager.randomNormal(0, 0.1f, entry.getValue(), ai.djl.ndarray.types.DataType.FLOAT32);
                array.setName("bert." + entry.getKey());
                tensors.add(array);
            }
            try (OutputStream out = Files.newOutputStream(folder.resolve("model.safetensors"))) {
                tensors.encode(out, NDList.Encoding.SAFETENSORS);
            }
        }
        try (InputStream in = TinyBertFolder.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.write(folder.resolve("tokenizer.json"), in.readAllBytes());
        }
        return folder;
    }

    /** Overwrites the first value of tensor {@code name} (Hugging Face name, no prefix) in the folder's weights. */
    static void setFirstValue(Path folder, String name, float value) throws IOException {
        Path file = folder.resolve("model.safetensors");
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            NDList tensors;
            try (InputStream in = Files.newInputStream(file)) {
                tensors = NDList.decode(manager, in);
            }
            for (NDArray array : tensors) {
                if (array.getName().equals("bert." + name)) {
                    float[] values = array.toFloatArray();
                    values[0] = value;
                    array.set(values);
                }
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                tensors.encode(out, NDList.Encoding.SAFETENSORS);
            }
        }
    }
}
