package dev.peft4j.harness.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.BertConfig;
import dev.peft4j.backbones.BertEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Hugging Face folder holding a BERT-Base-shaped encoder (12 layers, width 768, 12 heads,
 * feed-forward 3072, BERT's uncased vocabulary) with random weights (normal, standard deviation
 * 0.02, as BERT initializes), for timing a step at the paper's model size without the slow load of
 * the real checkpoint: the step's cost depends on the shapes only. The tokenizer is the bundled
 * MiniLM's, which has BERT's uncased vocabulary of 30522 tokens.
 */
final class BaseShapeModel {

    static final BertConfig CONFIG = new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12f);
    private static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private BaseShapeModel() {}

    /** Writes the folder into a new temporary directory; delete it with {@link #delete}. */
    static Path write(NDManager parent) {
        return write(parent, CONFIG);
    }

    /** As {@link #write(NDManager)} for another shape with the same vocabulary (for tests). */
    static Path write(NDManager parent, BertConfig config) {
        try {
            Path folder = Files.createTempDirectory("peft4j-bench-bert-base-shape");
            Files.writeString(folder.resolve("config.json"), """
                    {"model_type": "bert", "hidden_act": "gelu", "vocab_size": %d, "hidden_size": %d,
                     "num_hidden_layers": %d, "num_attention_heads": %d, "intermediate_size": %d,
                     "max_position_embeddings": %d, "type_vocab_size": 2, "layer_norm_eps": 1e-12}
                    """.formatted(config.vocabSize(), config.hiddenSize(), config.numLayers(), config.numHeads(),
                    config.intermediateSize(), config.maxPositions()));
            try (InputStream in = BaseShapeModel.class.getClassLoader().getResourceAsStream(TOKENIZER_RESOURCE)) {
                if (in == null) {
                    throw new PeftException("The BERT-Base-shaped benchmark needs the bundled MiniLM tokenizer ("
                            + TOKENIZER_RESOURCE + ") on the class path; run it from the peft4j jar.");
                }
                Files.write(folder.resolve("tokenizer.json"), in.readAllBytes());
            }
            try (NDManager manager = parent.newSubManager(); OutputStream out = Files.newOutputStream(
                    folder.resolve("model.safetensors"))) {
                NDList tensors = new NDList();
                for (Map.Entry<String, Shape> entry : BertEncoder.expectedShapes(config).entrySet()) {
                    String name = entry.getKey();
                    NDArray array = name.endsWith("LayerNorm.weight") ? manager.ones(entry.getValue())
                            : name.endsWith(".bias") ? manager.zeros(entry.getValue())
                            : manager.randomNormal(0f, 0.02f, entry.getValue(), DataType.FLOAT32);
                    array.setName(name);
                    tensors.add(array);
                }
                tensors.encode(out, NDList.Encoding.SAFETENSORS);
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the BERT-Base-shaped model for the benchmark", e);
        }
    }

    /** Deletes a folder written by {@link #write}. */
    static void delete(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the benchmark's temporary model " + folder, e);
        }
    }
}
