package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins what Hugging Face PEFT reads from a peft4j prompt adapter, and what peft4j reads from a
 * folder PEFT saved. The Python side cannot run here (no PyPI), so each field is checked against
 * PEFT's source (huggingface/peft, {@code src/peft}):
 *
 * <ul>
 *   <li>{@code config.py}: the dataclass fields of {@code PeftConfigMixin} ({@code task_type},
 *       {@code peft_type}, {@code auto_mapping}, {@code peft_version}), {@code PeftConfig}
 *       ({@code base_model_name_or_path}, {@code revision}, {@code inference_mode}) and
 *       {@code PromptLearningConfig} ({@code num_virtual_tokens}, {@code token_dim},
 *       {@code num_transformer_submodules}, {@code num_attention_heads}, {@code num_layers},
 *       {@code modules_to_save}); {@code PeftConfigMixin.__post_init__} refuses a task type not in
 *       {@code TaskType}; {@code save_pretrained} writes {@code json.dumps(to_dict(), indent=2, sort_keys=True)}.
 *   <li>{@code tuners/prompt_tuning/config.py}: {@code PromptTuningConfig} ({@code prompt_tuning_init}
 *       one of {@code PromptTuningInit}, {@code prompt_tuning_init_text}, {@code tokenizer_name_or_path},
 *       {@code tokenizer_kwargs}, which {@code __post_init__} refuses unless the init is {@code TEXT}).
 *   <li>{@code tuners/p_tuning/config.py}: {@code PromptEncoderConfig} ({@code encoder_*} fields).
 *   <li>{@code utils/peft_types.py}: {@code TaskType} and {@code PeftType} values.
 *   <li>{@code tuners/tuners_utils.py}: {@code BasePromptEncoder._get_adapter_state_dict} saves the
 *       prompt as {@code prompt_embeddings}; {@code _load_adapter_state_dict} loads it into
 *       {@code embedding.weight} ({@code [num_virtual_tokens * num_transformer_submodules, token_dim]}).
 *   <li>{@code utils/save_and_load.py}: {@code get_peft_model_state_dict} adds each
 *       {@code ModulesToSaveWrapper}'s tensors under the module's name without
 *       {@code modules_to_save.<adapter>} ({@code utils/other.py}, {@code adapter_state_dict}), so a
 *       {@code SEQ_CLS} BERT adapter also holds {@code base_model.classifier.weight} and {@code .bias}.
 *   <li>{@code peft_model.py}: {@code PeftModel.from_pretrained} picks the model class by task type
 *       ({@code MODEL_TYPE_TO_PEFT_MODEL_MAPPING}); {@code PeftModelForFeatureExtraction} adds no
 *       modules to save, {@code PeftModelForSequenceClassification} adds {@code classifier}/{@code score}.
 * </ul>
 */
class PeftInteropTest {

    /** Every field of PEFT's prompt-tuning config dataclasses, as {@code to_dict} names them. */
    private static final Set<String> PROMPT_TUNING_CONFIG_FIELDS = Set.of(
            "task_type", "peft_type", "auto_mapping", "peft_version",
            "base_model_name_or_path", "revision", "inference_mode",
            "num_virtual_tokens", "token_dim", "num_transformer_submodules", "num_attention_heads", "num_layers",
            "modules_to_save",
            "prompt_tuning_init", "prompt_tuning_init_text", "tokenizer_name_or_path", "tokenizer_kwargs");
    private static final Set<String> TASK_TYPES = Set.of("SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS",
            "QUESTION_ANS", "FEATURE_EXTRACTION");
    private static final Set<String> PROMPT_TUNING_INITS = Set.of("TEXT", "SAMPLE_VOCAB", "RANDOM");

    private static final Gson GSON = new Gson();
    private static final PromptShape SHAPE = new PromptShape(3, 4);

    @TempDir
    Path temp;

    private static float[] values(int count, float offset) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = offset + i / 8f;
        }
        return values;
    }

    @Test
    void writtenConfigHoldsOnlyFieldsPeftReadsWithValuesItAccepts() throws IOException {
        Path folder = temp.resolve("export");
        PromptAdapterFiles.write(folder, new PromptAdapter(AdapterConfig.promptTuning(SHAPE, 6, 12,
                "sentence-transformers/all-MiniLM-L6-v2"), new PromptEmbeddings(SHAPE, values(12, 0))));

        JsonObject json = JsonParser.parseString(Files.readString(folder.resolve(PromptAdapterFiles.CONFIG_FILE)))
                .getAsJsonObject();

        // older PEFT releases refuse keys their dataclass lacks, so only long-standing fields are written
        assertThat(PROMPT_TUNING_CONFIG_FIELDS).containsAll(json.keySet());
        assertThat(json.keySet()).containsExactlyInAnyOrder("peft_type", "task_type", "num_virtual_tokens",
                "token_dim", "num_transformer_submodules", "num_attention_heads", "num_layers", "prompt_tuning_init",
                "prompt_tuning_init_text", "tokenizer_name_or_path", "tokenizer_kwargs", "base_model_name_or_path",
                "revision", "inference_mode", "auto_mapping");
        assertThat(json.get("peft_type").getAsString()).isEqualTo("PROMPT_TUNING");
        // FEATURE_EXTRACTION: PeftModelForFeatureExtraction, no classifier expected among the saved modules
        assertThat(json.get("task_type").getAsString()).isEqualTo("FEATURE_EXTRACTION").isIn(TASK_TYPES);
        assertThat(json.get("base_model_name_or_path").getAsString()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(json.get("num_virtual_tokens").getAsJsonPrimitive().isNumber()).isTrue();
        assertThat(json.get("num_virtual_tokens").getAsInt()).isEqualTo(3);
        assertThat(json.get("token_dim").getAsInt()).isEqualTo(4);
        assertThat(json.get("num_transformer_submodules").getAsInt()).isEqualTo(1);
        assertThat(json.get("num_layers").getAsInt()).isEqualTo(6);
        assertThat(json.get("num_attention_heads").getAsInt()).isEqualTo(12);
        assertThat(json.get("inference_mode").getAsBoolean()).isTrue();
        assertThat(json.get("prompt_tuning_init").getAsString()).isIn(PROMPT_TUNING_INITS).isNotEqualTo("TEXT");
        for (String none : List.of("prompt_tuning_init_text", "tokenizer_name_or_path", "tokenizer_kwargs",
                "revision", "auto_mapping")) {
            assertThat(json.get(none).isJsonNull()).as(none).isTrue();
        }

        // the tensor file: prompt_embeddings alone, F32 [num_virtual_tokens * num_transformer_submodules, token_dim]
        byte[] bytes = Files.readAllBytes(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        header.remove("__metadata__");
        assertThat(header.keySet()).containsExactly(PromptAdapterFiles.PROMPT_KEY);
        JsonObject tensor = header.getAsJsonObject(PromptAdapterFiles.PROMPT_KEY);
        assertThat(tensor.get("dtype").getAsString()).isEqualTo("F32");
        assertThat(tensor.get("shape").toString()).isEqualTo("[3,4]");
    }

    /** A config as PEFT's {@code save_pretrained} writes it: sorted keys, two-space indent. */
    private static String peftConfig(Map<String, Object> fields) {
        StringBuilder text = new StringBuilder("{");
        String separator = "\n";
        for (Map.Entry<String, Object> field : new TreeMap<>(fields).entrySet()) {
            String json = field.getValue() instanceof List<?> list
                    ? "[\n    " + String.join(",\n    ", list.stream().map(GSON::toJson).toList()) + "\n  ]"
                    : GSON.toJson(field.getValue());
            text.append(separator).append("  \"").append(field.getKey()).append("\": ").append(json);
            separator = ",\n";
        }
        return text.append("\n}").toString();
    }

    /** PEFT 0.17's prompt-tuning config of a 6-layer, 384-wide BERT, as get_peft_model fills it in. */
    static Map<String, Object> promptTuningConfig(String taskType, Object modulesToSave) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("auto_mapping", null);
        fields.put("base_model_name_or_path", "sentence-transformers/all-MiniLM-L6-v2");
        fields.put("inference_mode", true);
        fields.put("modules_to_save", modulesToSave);
        fields.put("num_attention_heads", 12);
        fields.put("num_layers", 6);
        fields.put("num_transformer_submodules", 1);
        fields.put("num_virtual_tokens", 3);
        fields.put("peft_type", "PROMPT_TUNING");
        fields.put("peft_version", "0.17.1");
        fields.put("prompt_tuning_init", "RANDOM");
        fields.put("prompt_tuning_init_text", null);
        fields.put("revision", null);
        fields.put("task_type", taskType);
        fields.put("token_dim", 4);
        fields.put("tokenizer_kwargs", null);
        fields.put("tokenizer_name_or_path", null);
        return fields;
    }

    /**
     * A safetensors file as the Python {@code safetensors} package writes it ({@code save_file} with
     * PEFT's {@code metadata={"format": "pt"}}): tensors of one dtype in name order, the header
     * padded with spaces to a multiple of 8 bytes.
     */
    static byte[] peftSafetensors(Map<String, float[]> tensors, Map<String, long[]> shapes) {
        TreeMap<String, float[]> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, float[]> t : sorted.entrySet()) {
            long end = offset + 4L * t.getValue().length;
            StringBuilder shape = new StringBuilder();
            for (long dim : shapes.get(t.getKey())) {
                shape.append(shape.length() == 0 ? "" : ",").append(dim);
            }
            header.append(",\"").append(t.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append(shape)
                    .append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json);
        sorted.values().forEach(values -> {
            for (float v : values) {
                buffer.putFloat(v);
            }
        });
        return buffer.array();
    }

    private Path peftFolder(String name, Map<String, Object> config, Map<String, float[]> tensors,
            Map<String, long[]> shapes) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        Files.writeString(folder.resolve(PromptAdapterFiles.CONFIG_FILE), peftConfig(config));
        Files.write(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE), peftSafetensors(tensors, shapes));
        return folder;
    }

    @Test
    void readsAFeatureExtractionPromptTuningFolderAsPeftSavesIt() throws IOException {
        float[] prompt = values(12, 1);
        Path folder = peftFolder("fe", promptTuningConfig("FEATURE_EXTRACTION", null),
                Map.of("prompt_embeddings", prompt), Map.of("prompt_embeddings", new long[] {3, 4}));

        PromptAdapter read = PromptAdapterFiles.read(folder);

        assertThat(read.config()).isEqualTo(new AdapterConfig("PROMPT_TUNING", "FEATURE_EXTRACTION", 3, 4, 6, 12,
                "sentence-transformers/all-MiniLM-L6-v2"));
        assertThat(read.embeddings().values()).containsExactly(prompt);
    }

    @Test
    void readsTheP_OfASeqClsFolderBesideItsClassifier() throws IOException {
        float[] prompt = values(12, 2);
        Map<String, float[]> tensors = new LinkedHashMap<>();
        tensors.put("prompt_embeddings", prompt);
        tensors.put("base_model.classifier.weight", values(8, -1));
        tensors.put("base_model.classifier.bias", values(2, 5));
        Path folder = peftFolder("seq-cls", promptTuningConfig("SEQ_CLS", List.of("classifier", "score")), tensors,
                Map.of("prompt_embeddings", new long[] {3, 4}, "base_model.classifier.weight", new long[] {2, 4},
                        "base_model.classifier.bias", new long[] {2}));

        PromptAdapter read = PromptAdapterFiles.read(folder);

        assertThat(read.config().taskType()).isEqualTo("SEQ_CLS");
        assertThat(read.embeddings().values()).containsExactly(prompt);
    }

    @Test
    void readsAPTuningFolderWhosePromptIsTheEncodersOutput() throws IOException {
        Map<String, Object> config = promptTuningConfig("FEATURE_EXTRACTION", null);
        for (String key : List.of("prompt_tuning_init", "prompt_tuning_init_text", "tokenizer_name_or_path",
                "tokenizer_kwargs")) {
            config.remove(key);
        }
        config.put("peft_type", "P_TUNING");
        config.put("encoder_reparameterization_type", "MLP");
        config.put("encoder_hidden_size", 4);
        config.put("encoder_num_layers", 2);
        config.put("encoder_dropout", 0.0);
        float[] prompt = values(12, 3);
        Path folder = peftFolder("p-tuning", config, Map.of("prompt_embeddings", prompt),
                Map.of("prompt_embeddings", new long[] {3, 4}));

        PromptAdapter read = PromptAdapterFiles.read(folder);

        assertThat(read.config().peftType()).isEqualTo("P_TUNING");
        assertThat(read.embeddings().values()).containsExactly(prompt);
    }

    @Test
    void readsTheEncoderRowsOfASeq2SeqPromptAndRefusesTwoSubmodulesElsewhere() throws IOException {
        // PEFT's SEQ_2_SEQ_LM table: 2 * 3 rows, of which its forward prepends the first 3 to T5's encoder input
        Map<String, Object> config = promptTuningConfig("SEQ_2_SEQ_LM", null);
        config.put("num_transformer_submodules", 2);
        float[] table = values(24, 0);
        Path folder = peftFolder("seq2seq", config, Map.of("prompt_embeddings", table),
                Map.of("prompt_embeddings", new long[] {6, 4}));

        PromptAdapter read = PromptAdapterFiles.read(folder);

        assertThat(read.config().taskType()).isEqualTo(AdapterConfig.SEQ_2_SEQ_LM);
        assertThat(read.config().transformerSubmodules()).isEqualTo(2);
        assertThat(read.embeddings().shape()).isEqualTo(new PromptShape(3, 4));
        assertThat(read.embeddings().values()).containsExactly(java.util.Arrays.copyOf(table, 12));

        Map<String, Object> encoderOnly = promptTuningConfig("FEATURE_EXTRACTION", null);
        encoderOnly.put("num_transformer_submodules", 2);
        Path twoForAnEncoder = peftFolder("two", encoderOnly, Map.of("prompt_embeddings", table),
                Map.of("prompt_embeddings", new long[] {6, 4}));
        assertThatThrownBy(() -> PromptAdapterFiles.read(twoForAnEncoder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("sets num_transformer_submodules 2 for task_type FEATURE_EXTRACTION");
    }

    @Test
    void writesASeq2SeqPromptAsPeftDoes(@TempDir Path temp) throws IOException {
        PromptShape shape = new PromptShape(3, 4);
        float[] prompt = values(12, 5);
        AdapterConfig config = AdapterConfig.promptTuningSeq2Seq(shape, 12, 12, "t5-base");
        PromptAdapterFiles.write(temp, new PromptAdapter(config, new PromptEmbeddings(shape, prompt)));

        JsonObject json = JsonParser.parseString(Files.readString(temp.resolve(PromptAdapterFiles.CONFIG_FILE)))
                .getAsJsonObject();
        assertThat(json.get("task_type").getAsString()).isEqualTo("SEQ_2_SEQ_LM");
        assertThat(json.get("num_transformer_submodules").getAsInt()).isEqualTo(2);
        assertThat(json.get("num_virtual_tokens").getAsInt()).isEqualTo(3);
        byte[] bytes = Files.readAllBytes(temp.resolve(PromptAdapterFiles.WEIGHTS_FILE));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertThat(header.getAsJsonObject(PromptAdapterFiles.PROMPT_KEY).get("shape").toString()).isEqualTo("[6,4]");
        // both halves hold P'; PEFT and peft4j read the first
        java.nio.FloatBuffer data = ByteBuffer.wrap(bytes, 8 + (int) headerLength, 4 * 24)
                .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] rows = new float[24];
        data.get(rows);
        assertThat(java.util.Arrays.copyOf(rows, 12)).containsExactly(prompt);
        assertThat(java.util.Arrays.copyOfRange(rows, 12, 24)).containsExactly(prompt);

        PromptAdapter read = PromptAdapterFiles.read(temp);
        assertThat(read.config()).isEqualTo(config);
        assertThat(read.embeddings().values()).containsExactly(prompt);
    }

    @Test
    void aSeqClsFolderWithoutPromptEmbeddingsNamesWhatItHolds() throws IOException {
        Path folder = peftFolder("no-prompt", promptTuningConfig("SEQ_CLS", List.of("classifier", "score")),
                Map.of("base_model.classifier.weight", values(8, 0)),
                Map.of("base_model.classifier.weight", new long[] {2, 4}));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("has no tensor 'prompt_embeddings'; it holds [base_model.classifier.weight]");
    }

    @Test
    void theWrittenPeftHelperMatchesTheSafetensorsLayout() {
        byte[] bytes = peftSafetensors(Map.of("b", new float[] {1}, "a", new float[] {2, 3}),
                Map.of("b", new long[] {1}, "a", new long[] {2}));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonElement header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertThat(headerLength % 8).isZero();
        assertThat(header.getAsJsonObject().getAsJsonObject("a").get("data_offsets").toString()).isEqualTo("[0,8]");
        assertThat(bytes.length - 8 - headerLength).isEqualTo(12);
    }
}
