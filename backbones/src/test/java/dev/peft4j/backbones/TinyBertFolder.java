package dev.peft4j.backbones;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Writes a tiny random BERT in the Hugging Face folder layout (config.json, model.safetensors
 * through DJL's encoder, and a WordPiece tokenizer.json of a few hundred tokens), so tests of the
 * training and serving mechanics run in seconds without a download. Published in this module's
 * test jar for the other modules' tests.
 *
 * <p>The vocabulary ({@code tiny-bert-vocab.txt}) holds the special tokens, single characters
 * with their {@code ##} continuations (so any text tokenizes) and the words of the harness's
 * synthetic test data.
 */
public final class TinyBertFolder {

    public static final int HIDDEN = 8;
    public static final int LAYERS = 2;
    public static final int HEADS = 2;
    public static final int INTERMEDIATE = 16;
    public static final int POSITIONS = 128;
    private static final List<String> VOCABULARY = readVocabulary();
    public static final int VOCAB = VOCABULARY.size();

    private static @Nullable Path shared;

    private TinyBertFolder() {}

    /** One folder per test JVM, written on first use and deleted when the JVM exits. */
    public static synchronized Path shared() {
        if (shared == null) {
            try {
                Path temp = Files.createTempDirectory("peft4j-tiny-bert");
                temp.toFile().deleteOnExit();
                shared = write(temp);
                for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json"}) {
                    shared.resolve(file).toFile().deleteOnExit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the tiny BERT folder", e);
            }
        }
        return shared;
    }

    /**
     * A consistent folder: every tensor matches the config; names carry a {@code bert.} prefix,
     * plus a pooler and a masked-LM head ({@code cls.predictions.*}, decoder tied).
     */
    public static Path write(Path folder) throws IOException {
        return write(folder, UnaryOperator.identity());
    }

    /** A folder whose tensor shapes go through {@code reshape} (name-keyed edits make mismatches). */
    public static Path write(Path folder, UnaryOperator<Map<String, Shape>> reshape) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "bert", "hidden_act": "gelu", "vocab_size": %d, "hidden_size": %d,
                 "num_hidden_layers": %d, "num_attention_heads": %d, "intermediate_size": %d,
                 "max_position_embeddings": %d, "type_vocab_size": 2, "layer_norm_eps": 1e-12}
                """.formatted(VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS));
        BertConfig config = new BertConfig(VOCAB, HIDDEN, LAYERS, HEADS, INTERMEDIATE, POSITIONS, 2, 1e-12f);
        Map<String, Shape> shapes = new java.util.LinkedHashMap<>(BertEncoder.expectedShapes(config));
        shapes.put("pooler.dense.weight", new Shape(HIDDEN, HIDDEN));
        // a BertForMaskedLM head, last so the encoder's random values do not change
        shapes.put("cls.predictions.transform.dense.weight", new Shape(HIDDEN, HIDDEN));
        shapes.put("cls.predictions.transform.dense.bias", new Shape(HIDDEN));
        shapes.put("cls.predictions.transform.LayerNorm.weight", new Shape(HIDDEN));
        shapes.put("cls.predictions.transform.LayerNorm.bias", new Shape(HIDDEN));
        shapes.put("cls.predictions.bias", new Shape(VOCAB));
        shapes = reshape.apply(shapes);
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            manager.getEngine().setRandomSeed(7);
            NDList tensors = new NDList();
            for (Map.Entry<String, Shape> entry : shapes.entrySet()) {
                NDArray array = entry.getKey().endsWith("LayerNorm.weight")
                        ? manager.ones(entry.getValue())
                        : manager.randomNormal(0, 0.1f, entry.getValue(), ai.djl.ndarray.types.DataType.FLOAT32);
                // Hugging Face's BertForMaskedLM names: bert.* for the encoder, cls.* for the head
                array.setName(entry.getKey().startsWith("cls.") ? entry.getKey() : "bert." + entry.getKey());
                tensors.add(array);
            }
            try (OutputStream out = Files.newOutputStream(folder.resolve("model.safetensors"))) {
                tensors.encode(out, NDList.Encoding.SAFETENSORS);
            }
        }
        Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson());
        return folder;
    }

    /** A BERT (uncased) WordPiece tokenizer.json over the tiny vocabulary. */
    private static String tokenizerJson() {
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < VOCABULARY.size(); id++) {
            vocab.addProperty(VOCABULARY.get(id), id);
        }
        StringBuilder added = new StringBuilder();
        for (String special : List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")) {
            added.append(added.length() == 0 ? "" : ", ").append("""
                    {"id": %d, "content": "%s", "single_word": false, "lstrip": false, "rstrip": false, \
                    "normalized": false, "special": true}""".formatted(VOCABULARY.indexOf(special), special));
        }
        int cls = VOCABULARY.indexOf("[CLS]");
        int sep = VOCABULARY.indexOf("[SEP]");
        return """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [%s],
                 "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                                "strip_accents": null, "lowercase": true},
                 "pre_tokenizer": {"type": "BertPreTokenizer"},
                 "post_processor": {"type": "TemplateProcessing",
                   "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                              {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
                   "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                            {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                            {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                   "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [%d], "tokens": ["[CLS]"]},
                                      "[SEP]": {"id": "[SEP]", "ids": [%d], "tokens": ["[SEP]"]}}},
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100, "vocab": %s}}
                """.formatted(added, cls, sep, vocab);
    }

    private static List<String> readVocabulary() {
        try (InputStream in = TinyBertFolder.class.getClassLoader().getResourceAsStream("tiny-bert-vocab.txt")) {
            if (in == null) {
                throw new IllegalStateException("tiny-bert-vocab.txt is not on the test class path; it belongs to "
                        + "the backbones module's test resources (and its test jar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read tiny-bert-vocab.txt", e);
        }
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
