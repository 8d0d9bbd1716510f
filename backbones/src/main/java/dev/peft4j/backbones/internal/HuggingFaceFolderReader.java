package dev.peft4j.backbones.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.internal.SafetensorsHeader;
import dev.peft4j.backbones.BackboneException;
import dev.peft4j.backbones.BertConfig;
import dev.peft4j.backbones.T5Config;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a Hugging Face BERT-family folder: {@code config.json} into a {@link BertConfig} and
 * {@code model.safetensors} through DJL's safetensors decoder. Tensor names lose a leading
 * {@code bert.} and old TensorFlow-style {@code LayerNorm.gamma/beta} become
 * {@code LayerNorm.weight/bias}, so they match the encoder's names.
 */
public final class HuggingFaceFolderReader {

    /** The weight file in a folder. */
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** The configuration file in a folder. */
    public static final String CONFIG_FILE = "config.json";
    /** The tokenizer file in a folder. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private HuggingFaceFolderReader() {}

    /** Whether {@code folder} looks like a Hugging Face model folder (has a config.json). */
    public static boolean isModelFolder(Path folder) {
        return Files.isDirectory(folder) && Files.isRegularFile(folder.resolve(CONFIG_FILE));
    }

    /**
     * The {@code _name_or_path} that transformers' {@code save_pretrained} records in
     * {@code config.json}, when the file has a non-blank one; empty when it has none or cannot be read.
     */
    public static Optional<String> nameOrPath(Path folder) {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(folder.resolve(CONFIG_FILE),
                    StandardCharsets.UTF_8)).getAsJsonObject();
            JsonElement value = json.get("_name_or_path");
            if (value != null && value.isJsonPrimitive() && !value.getAsString().isBlank()) {
                return Optional.of(value.getAsString().trim());
            }
        } catch (IOException | RuntimeException e) {
            // no name recorded: the caller falls back to the folder's name
        }
        return Optional.empty();
    }

    /**
     * Reads {@code config.json} of {@code folder}.
     *
     * @throws BackboneException when the file is missing, not JSON, lacks a field or describes a
     *                           model this encoder cannot run
     */
    public static BertConfig readConfig(Path folder) {
        Path file = folder.resolve(CONFIG_FILE);
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new BackboneException("Cannot read " + file + " as a JSON object (" + e.getMessage()
                    + "). A Hugging Face BERT folder needs a valid config.json.", e);
        }
        String modelType = string(json, "model_type", "bert", file);
        if (!modelType.equals("bert")) {
            throw new BackboneException(file + " describes a '" + modelType + "' model; peft4j's BertEncoder runs "
                    + "BERT-layout models only (model_type \"bert\": BERT, MiniLM, BGE, E5 ...).");
        }
        String activation = string(json, "hidden_act", "gelu", file);
        if (!activation.equals("gelu")) {
            throw new BackboneException(file + " sets hidden_act \"" + activation + "\"; BertEncoder implements "
                    + "the exact (erf) GELU of BERT only (hidden_act \"gelu\").");
        }
        List<String> missing = new ArrayList<>();
        int vocab = integer(json, "vocab_size", missing, file);
        int hidden = integer(json, "hidden_size", missing, file);
        int layers = integer(json, "num_hidden_layers", missing, file);
        int heads = integer(json, "num_attention_heads", missing, file);
        int intermediate = integer(json, "intermediate_size", missing, file);
        int positions = integer(json, "max_position_embeddings", missing, file);
        if (!missing.isEmpty()) {
            throw new BackboneException(file + " lacks the fields " + missing + " that a BERT config must have.");
        }
        int types = present(json, "type_vocab_size") ? integer(json, "type_vocab_size", missing, file) : 2;
        float eps = present(json, "layer_norm_eps") ? (float) number(json, "layer_norm_eps", "a number", file) : 1e-12f;
        try {
            return new BertConfig(vocab, hidden, layers, heads, intermediate, positions, types, eps);
        } catch (RuntimeException e) {
            throw new BackboneException("Invalid configuration in " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The {@code model_type} of {@code folder}'s {@code config.json} ({@code "bert"} when the file
     * has none, as old BERT folders do).
     *
     * @throws BackboneException when the file is missing or not a JSON object
     */
    public static String modelType(Path folder) {
        Path file = folder.resolve(CONFIG_FILE);
        return string(readJson(file), "model_type", "bert", file);
    }

    /**
     * Reads {@code config.json} of a T5 folder ({@code model_type} "t5": T5 v1.0, v1.1, flan-t5).
     *
     * @throws BackboneException when the file is missing, not JSON, lacks a field or describes a
     *                           feed-forward this model does not implement
     */
    public static T5Config readT5Config(Path folder) {
        Path file = folder.resolve(CONFIG_FILE);
        JsonObject json = readJson(file);
        String modelType = string(json, "model_type", "", file);
        if (!modelType.equals("t5")) {
            throw new BackboneException(file + " describes a '" + modelType + "' model, not a T5 (model_type \"t5\").");
        }
        String projection = string(json, "feed_forward_proj", "relu", file);
        T5Config.FeedForward feedForward = switch (projection) {
            case "relu" -> T5Config.FeedForward.RELU;
            case "gated-gelu" -> T5Config.FeedForward.GATED_GELU;
            default -> throw new BackboneException(file + " sets feed_forward_proj \"" + projection + "\"; peft4j's "
                    + "T5 implements \"relu\" (T5 v1.0) and \"gated-gelu\" (T5 v1.1, flan-t5) only.");
        };
        List<String> missing = new ArrayList<>();
        int vocab = integer(json, "vocab_size", missing, file);
        int dModel = integer(json, "d_model", missing, file);
        int dKv = integer(json, "d_kv", missing, file);
        int heads = integer(json, "num_heads", missing, file);
        int dFf = integer(json, "d_ff", missing, file);
        int layers = integer(json, "num_layers", missing, file);
        if (!missing.isEmpty()) {
            throw new BackboneException(file + " lacks the fields " + missing + " that a T5 config must have.");
        }
        int decoderLayers = present(json, "num_decoder_layers") ? integer(json, "num_decoder_layers", missing, file)
                : layers;
        int buckets = present(json, "relative_attention_num_buckets")
                ? integer(json, "relative_attention_num_buckets", missing, file) : 32;
        int maxDistance = present(json, "relative_attention_max_distance")
                ? integer(json, "relative_attention_max_distance", missing, file) : 128;
        float eps = present(json, "layer_norm_epsilon")
                ? (float) number(json, "layer_norm_epsilon", "a number", file) : 1e-6f;
        boolean tied = !present(json, "tie_word_embeddings") || bool(json, "tie_word_embeddings", file);
        int start = present(json, "decoder_start_token_id") ? integer(json, "decoder_start_token_id", missing, file) : 0;
        int eos = present(json, "eos_token_id") ? integer(json, "eos_token_id", missing, file) : 1;
        int positions = present(json, "n_positions") ? integer(json, "n_positions", missing, file) : 512;
        try {
            return new T5Config(vocab, dModel, dKv, heads, dFf, layers, decoderLayers, buckets, maxDistance, eps,
                    feedForward, tied, start, eos, positions);
        } catch (RuntimeException e) {
            throw new BackboneException("Invalid configuration in " + file + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject readJson(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new BackboneException("Cannot read " + file + " as a JSON object (" + e.getMessage()
                    + "). A Hugging Face model folder needs a valid config.json.", e);
        }
    }

    private static boolean bool(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(file, key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    /**
     * Reads {@code model.safetensors} of {@code folder} onto {@code manager} as float32 arrays,
     * keyed by encoder parameter names.
     *
     * @throws BackboneException when the file is missing, truncated or holds bfloat16 tensors
     */
    public static Map<String, NDArray> readWeights(Path folder, NDManager manager) {
        Path file = folder.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(file)) {
            throw new BackboneException("The model folder " + folder + " has no " + WEIGHTS_FILE + ". Put the "
                    + "model's weights there in safetensors format (PyTorch .bin files are not read).");
        }
        checkHeader(file);
        NDList arrays;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            arrays = NDList.decode(manager, in);
        } catch (IOException | RuntimeException e) {
            throw new BackboneException("Cannot read " + file + " (" + e.getMessage() + "); the file is corrupt. "
                    + "Download it again.", e);
        }
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (NDArray array : arrays) {
            String name = normalize(array.getName());
            NDArray value = array;
            if (array.getDataType() != DataType.FLOAT32) {
                value = array.toType(DataType.FLOAT32, false);
                array.close();
            }
            weights.put(name, value);
        }
        return weights;
    }

    /** Checks the header before DJL decodes the data: the layout, and no bfloat16 (DJL cannot hold it). */
    private static void checkHeader(Path file) {
        SafetensorsHeader header;
        try {
            header = SafetensorsHeader.check(file, "Download it again.");
        } catch (PromptFormatException e) {
            throw new BackboneException(e.getMessage(), e);
        }
        List<String> bfloat16 = new ArrayList<>();
        for (SafetensorsHeader.Tensor tensor : header.tensors().values()) {
            if (tensor.dtype().equals("BF16")) {
                bfloat16.add(tensor.name());
            }
        }
        if (!bfloat16.isEmpty()) {
            throw new BackboneException(file + " stores bfloat16 tensors (" + bfloat16.size() + ", e.g. "
                    + bfloat16.get(0) + "), which DJL cannot load. Convert the file to float32 first, e.g. "
                    + "in Python: save_file({k: v.float() for k, v in load_file(path).items()}, path).");
        }
    }

    private static String normalize(String name) {
        String n = name.startsWith("bert.") ? name.substring("bert.".length()) : name;
        if (n.endsWith("LayerNorm.gamma")) {
            n = n.substring(0, n.length() - "gamma".length()) + "weight";
        } else if (n.endsWith("LayerNorm.beta")) {
            n = n.substring(0, n.length() - "beta".length()) + "bias";
        }
        return n;
    }

    private static boolean present(JsonObject json, String key) {
        return json.has(key) && !json.get(key).isJsonNull();
    }

    private static String string(JsonObject json, String key, String fallback, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrongType(file, key, "a string", e);
        }
        return e.getAsString();
    }

    private static int integer(JsonObject json, String key, List<String> missing, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            missing.add(key);
            return 1;
        }
        double value = number(json, key, "an integer", file);
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw wrongType(file, key, "an integer", e);
        }
        return (int) value;
    }

    /** A JSON number field (not a quoted one: Hugging Face writes numbers unquoted). */
    private static double number(JsonObject json, String key, String expected, Path file) {
        JsonElement e = json.get(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(file, key, expected, e);
        }
        double value = e.getAsDouble();
        if (!Double.isFinite(value)) {
            throw wrongType(file, key, "a finite number", e);
        }
        return value;
    }

    private static BackboneException wrongType(Path file, String key, String expected, JsonElement found) {
        return new BackboneException(file + ": field '" + key + "' must be " + expected + ", found " + found
                + ". Fix config.json (as written by save_pretrained) or download it again.");
    }
}
