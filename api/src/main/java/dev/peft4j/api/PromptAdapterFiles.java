package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a prompt adapter folder in the layout Hugging Face PEFT uses for prompt
 * tuning: {@code adapter_config.json} and {@code adapter_model.safetensors} holding one float32
 * tensor {@code prompt_embeddings} of shape {@code [n, d]}. Files are written to a temporary name
 * and renamed, so a crash never leaves a half-written prompt; reading checks the whole file and
 * fails with a {@link PromptFormatException} naming the file rather than returning a wrong prompt.
 */
public final class PromptAdapterFiles {

    /** The config file name. */
    public static final String CONFIG_FILE = "adapter_config.json";
    /** The tensor file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The tensor's key, as PEFT names it. */
    public static final String PROMPT_KEY = "prompt_embeddings";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

    private PromptAdapterFiles() {}

    /**
     * Writes {@code adapter} into {@code folder}, creating it if needed and replacing the two
     * files if present; other files in the folder are left alone.
     *
     * @throws PeftException when the folder cannot be written
     */
    public static void write(Path folder, PromptAdapter adapter) {
        try {
            Files.createDirectories(folder);
            AtomicFiles.write(folder.resolve(CONFIG_FILE),
                    GSON.toJson(configJson(adapter.config())).getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(folder.resolve(WEIGHTS_FILE), encode(adapter.embeddings()));
        } catch (IOException e) {
            throw new PeftException("Could not write the prompt adapter to " + folder + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a prompt adapter folder.
     *
     * @throws PromptFormatException when the folder or a file is missing, the config is not a
     *     prompt-tuning config, or the tensor file is truncated, corrupt or of another shape
     */
    public static PromptAdapter read(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new PromptFormatException("Prompt adapter folder " + folder + " does not exist or is not a folder. "
                    + "Pass the folder written by export (it holds " + CONFIG_FILE + " and " + WEIGHTS_FILE + ").");
        }
        for (String name : List.of(CONFIG_FILE, WEIGHTS_FILE)) {
            if (!Files.exists(folder.resolve(name))) {
                throw new PromptFormatException(folder + " has no " + name + ". A prompt adapter folder holds "
                        + CONFIG_FILE + " and " + WEIGHTS_FILE + ", as written by export.");
            }
        }
        AdapterConfig config = readConfig(folder.resolve(CONFIG_FILE));
        PromptEmbeddings embeddings = readEmbeddings(folder.resolve(WEIGHTS_FILE), config.promptShape());
        return new PromptAdapter(config, embeddings);
    }

    /** Reads and checks {@code adapter_config.json}. */
    public static AdapterConfig readConfig(Path file) {
        JsonObject json;
        try {
            json = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new PromptFormatException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new PromptFormatException(file + " is not a JSON object: " + e.getMessage(), e);
        }
        String peftType = string(json, "peft_type", file);
        if (peftType == null) {
            throw new PromptFormatException(file + " has no peft_type, so it is not a PEFT adapter config. "
                    + "peft4j loads adapters with peft_type " + AdapterConfig.PROMPT_TUNING + ".");
        }
        if (!peftType.equals(AdapterConfig.PROMPT_TUNING)) {
            throw new PromptFormatException(file + " describes a " + peftType + " adapter, not a prompt adapter. "
                    + "peft4j loads adapters with peft_type " + AdapterConfig.PROMPT_TUNING + ".");
        }
        int n = positiveInt(json, "num_virtual_tokens", file);
        int d = positiveInt(json, "token_dim", file);
        return new AdapterConfig(peftType, string(json, "task_type", file), n, d,
                optionalInt(json, "num_layers"), optionalInt(json, "num_attention_heads"),
                string(json, "base_model_name_or_path", file));
    }

    private static PromptEmbeddings readEmbeddings(Path file, PromptShape expected) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PromptFormatException("Cannot read " + file + ": " + e.getMessage()
                    + ". A prompt adapter folder needs " + WEIGHTS_FILE + " beside " + CONFIG_FILE + ".", e);
        }
        checkSafetensors(file, bytes, expected);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList list = NDList.decode(manager, bytes);
            NDArray array = list.get(PROMPT_KEY);
            if (array == null) {
                throw new PromptFormatException(file + " has no tensor '" + PROMPT_KEY + "'");
            }
            PromptEmbeddings embeddings = PromptEmbeddings.fromNDArray(array);
            for (float v : embeddings.values()) {
                if (!Float.isFinite(v)) {
                    throw new PromptFormatException(file + " holds a non-finite value (" + v
                            + ") in '" + PROMPT_KEY + "'; the prompt is unusable, re-export it.");
                }
            }
            return embeddings;
        } catch (PeftException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new PromptFormatException(file + " is not a readable safetensors file: " + e.getMessage(), e);
        }
    }

    /** Validates the safetensors header and byte ranges before DJL decodes the data. */
    private static void checkSafetensors(Path file, byte[] bytes, PromptShape expected) {
        if (bytes.length < 8) {
            throw corrupt(file, "it has " + bytes.length + " bytes, fewer than the 8-byte header length");
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > bytes.length - 8) {
            throw corrupt(file, "its header claims " + headerLength + " bytes but the file has " + bytes.length);
        }
        JsonObject header;
        try {
            header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (RuntimeException e) {
            throw corrupt(file, "its header is not valid JSON (" + e.getMessage() + ")");
        }
        long dataLength = bytes.length - 8 - headerLength;
        long end = 0;
        List<String> keys = new ArrayList<>();
        long promptBytes = -1;
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            keys.add(entry.getKey());
            try {
                var offsets = entry.getValue().getAsJsonObject().getAsJsonArray("data_offsets");
                end = Math.max(end, offsets.get(1).getAsLong());
                if (entry.getKey().equals(PROMPT_KEY)) {
                    promptBytes = offsets.get(1).getAsLong() - offsets.get(0).getAsLong();
                }
            } catch (RuntimeException e) {
                throw corrupt(file, "tensor '" + entry.getKey() + "' has no valid data_offsets");
            }
        }
        if (end != dataLength) {
            throw corrupt(file, "its tensors need " + end + " data bytes but the file holds " + dataLength
                    + (end > dataLength ? " (truncated)" : ""));
        }
        JsonElement tensor = header.get(PROMPT_KEY);
        if (tensor == null || !tensor.isJsonObject()) {
            throw new PromptFormatException(file + " has no tensor '" + PROMPT_KEY + "'; it holds " + keys
                    + ". A prompt adapter stores P' under '" + PROMPT_KEY + "'.");
        }
        String dtype;
        com.google.gson.JsonArray shape;
        long[] dims;
        try {
            dtype = tensor.getAsJsonObject().get("dtype").getAsString();
            shape = tensor.getAsJsonObject().getAsJsonArray("shape");
            dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).getAsLong();
            }
        } catch (RuntimeException e) {
            // a missing field reads as null and fails here; report it as corruption, never an NPE
            throw corrupt(file, "tensor '" + PROMPT_KEY + "' has no valid dtype or shape");
        }
        if (!dtype.equals("F32")) {
            throw new PromptFormatException(file + ": '" + PROMPT_KEY + "' is " + dtype + "; peft4j reads F32 prompts");
        }
        boolean matches = dims.length == 2 && dims[0] == expected.length() && dims[1] == expected.width();
        if (!matches) {
            throw new PromptFormatException(file + ": '" + PROMPT_KEY + "' has shape " + shape + " but "
                    + CONFIG_FILE + " declares [" + expected.length() + ", " + expected.width()
                    + "] (num_virtual_tokens, token_dim). The two files do not belong together.");
        }
        if (promptBytes != expected.size() * Float.BYTES) {
            throw corrupt(file, "tensor '" + PROMPT_KEY + "' of shape " + shape + " needs "
                    + expected.size() * Float.BYTES + " bytes but its data_offsets span " + promptBytes);
        }
    }

    private static byte[] encode(PromptEmbeddings embeddings) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray array = embeddings.toNDArray(manager);
            array.setName(PROMPT_KEY);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new NDList(array).encode(out, NDList.Encoding.SAFETENSORS);
            return out.toByteArray();
        }
    }

    private static JsonObject configJson(AdapterConfig config) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("peft_type", config.peftType());
        fields.put("task_type", config.taskType());
        fields.put("num_virtual_tokens", config.numVirtualTokens());
        fields.put("token_dim", config.tokenDim());
        fields.put("num_transformer_submodules", 1);
        fields.put("num_attention_heads", config.numAttentionHeads());
        fields.put("num_layers", config.numLayers());
        fields.put("prompt_tuning_init", "RANDOM");
        fields.put("prompt_tuning_init_text", null);
        fields.put("tokenizer_name_or_path", null);
        fields.put("tokenizer_kwargs", null);
        fields.put("base_model_name_or_path", config.baseModelNameOrPath());
        fields.put("revision", null);
        fields.put("inference_mode", true);
        fields.put("auto_mapping", null);
        return GSON.toJsonTree(fields).getAsJsonObject();
    }

    private static PromptFormatException corrupt(Path file, String why) {
        return new PromptFormatException(file + " is corrupt or truncated: " + why
                + ". Re-export the prompt; do not edit this file by hand.");
    }

    private static @org.jspecify.annotations.Nullable String string(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new PromptFormatException(file + ": field '" + key + "' must be a string, got " + e);
        }
        return e.getAsString();
    }

    private static int positiveInt(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        try {
            int value = e.getAsInt();
            if (value > 0) {
                return value;
            }
        } catch (RuntimeException ignored) {
            // reported below
        }
        throw new PromptFormatException(file + ": field '" + key + "' must be a positive integer, got " + e);
    }

    private static int optionalInt(JsonObject json, String key) {
        JsonElement e = json.get(key);
        return e == null || e.isJsonNull() ? 0 : e.getAsInt();
    }

}
