package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folders Hugging Face PEFT saves for MiniLM, written here byte-for-byte as PEFT writes them
 * ({@code PeftConfigMixin.save_pretrained} in peft's {@code config.py}: sorted keys, two-space
 * indent; {@code get_peft_model_state_dict} in {@code utils/save_and_load.py} and
 * {@code safetensors.torch.save_file} with {@code metadata={"format": "pt"}}), and what a peft4j
 * export gives the Python recipe in docs/PEFT-INTEROP.md.
 */
class PeftFoldersTest {

    private static final List<String> TEXTS = List.of("The cat sat on the mat.", "Rain.");

    @TempDir
    static Path temp;

    private static Backbone backbone;
    private static ExportFolder export;
    private static Path exportFolder;

    @BeforeAll
    static void load() {
        backbone = Backbones.load(Exports.MINILM);
        export = Exports.random(4, 5);
        exportFolder = Exports.write(export, temp.resolve("export"));
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    private static String config(String taskType, String modulesToSave) {
        return "{\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": \"sentence-transformers/all-MiniLM-L6-v2\",\n"
                + "  \"inference_mode\": true,\n  \"modules_to_save\": " + modulesToSave + ",\n"
                + "  \"num_attention_heads\": 12,\n  \"num_layers\": 6,\n  \"num_transformer_submodules\": 1,\n"
                + "  \"num_virtual_tokens\": 4,\n  \"peft_type\": \"PROMPT_TUNING\",\n  \"peft_version\": \"0.17.1\",\n"
                + "  \"prompt_tuning_init\": \"RANDOM\",\n  \"prompt_tuning_init_text\": null,\n  \"revision\": null,\n"
                + "  \"task_type\": \"" + taskType + "\",\n  \"token_dim\": 384,\n  \"tokenizer_kwargs\": null,\n"
                + "  \"tokenizer_name_or_path\": null\n}";
    }

    /** safetensors as the Python package writes it: one dtype, so tensors in name order; header padded to 8. */
    private static byte[] safetensors(Map<String, float[]> tensors, Map<String, String> shapes) {
        TreeMap<String, float[]> sorted = new TreeMap<>(tensors);
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, float[]> t : sorted.entrySet()) {
            long end = offset + 4L * t.getValue().length;
            header.append(",\"").append(t.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(shapes.get(t.getKey())).append(",\"data_offsets\":[").append(offset).append(',')
                    .append(end).append("]}");
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

    private static Path peftFolder(String name, String config, Map<String, float[]> tensors,
            Map<String, String> shapes) throws IOException {
        Path folder = Files.createDirectories(temp.resolve(name));
        Files.writeString(folder.resolve(PromptAdapterFiles.CONFIG_FILE), config);
        Files.write(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE), safetensors(tensors, shapes));
        return folder;
    }

    private static List<float[]> embed(Path folder, PromptPlacement placement) {
        try (PromptedEncoder encoder = PromptedEncoder.builder().setAdapterFolder(folder).setBackbone(backbone)
                .optPlacement(placement).build()) {
            return encoder.embedAll(TEXTS);
        }
    }

    @Test
    void aFeatureExtractionFolderSavedByPeftEmbedsLikeTheSamePromptExportedByPeft4j() throws IOException {
        float[] prompt = export.getPrompt().values();
        Path peft = peftFolder("peft-fe", config("FEATURE_EXTRACTION", "null"), Map.of("prompt_embeddings", prompt),
                Map.of("prompt_embeddings", "[4,384]"));

        for (var placement : PromptPlacement.values()) {
            List<float[]> fromPeft = embed(peft, placement);
            List<float[]> fromExport = embed(exportFolder, placement);
            for (int i = 0; i < TEXTS.size(); i++) {
                assertThat(fromPeft.get(i)).as("%s, text %d", placement, i).containsExactly(fromExport.get(i));
            }
        }
    }

    @Test
    void aSeqClsFolderSavedByPeftGivesItsPromptButItsClassifierIsNotTakenAsAHead() throws IOException {
        Path peft = peftFolder("peft-seq-cls", config("SEQ_CLS", "[\n    \"classifier\",\n    \"score\"\n  ]"),
                Map.of("prompt_embeddings", export.getPrompt().values(),
                        "base_model.classifier.weight", new float[3 * 384],
                        "base_model.classifier.bias", new float[3]),
                Map.of("prompt_embeddings", "[4,384]", "base_model.classifier.weight", "[3,384]",
                        "base_model.classifier.bias", "[3]"));

        List<float[]> fromPeft = embed(peft, PromptPlacement.BEFORE_INPUT);
        List<float[]> fromExport = embed(exportFolder, PromptPlacement.BEFORE_INPUT);
        assertThat(fromPeft.get(0)).containsExactly(fromExport.get(0));

        assertThatThrownBy(() -> Predictor.open(peft, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("is a bare prompt adapter (as Hugging Face PEFT saves one)")
                .hasMessageContaining("holds a SEQ_CLS classifier ('base_model.classifier.weight'), which peft4j "
                        + "does not use as a head: transformers' BertForSequenceClassification applies it to BERT's "
                        + "pooler output")
                .hasMessageContaining("Placement.BEFORE_INPUT");
    }

    /**
     * Every name, shape, dtype and value the Python recipe in docs/PEFT-INTEROP.md reads from an
     * export, for both placements (the recipe's arithmetic is PromptPlacementServingTest's).
     */
    @Test
    void anExportHoldsWhatThePythonRecipeReads() throws IOException {
        ExportFolder.Settings s = export.settings();
        ExportFolder before = new ExportFolder(export.adapter(), export.headWeight(), export.headBias(),
                new ExportFolder.Settings(s.task(), s.labels(), s.backbone(), s.maxLength(), s.method(), s.options(),
                        s.runId(), s.metric(), s.bestMetric(), null, null, null, "before-input"));
        Path beforeFolder = Exports.write(before, temp.resolve("export-before-input"));
        for (Path folder : List.of(exportFolder, beforeFolder)) {
            JsonObject config = json(folder.resolve(PromptAdapterFiles.CONFIG_FILE));
            assertThat(config.get("peft_type").getAsString()).isEqualTo("PROMPT_TUNING");
            // PeftModel.from_pretrained: PeftModelForFeatureExtraction on AutoModel, no classifier to load
            assertThat(config.get("task_type").getAsString()).isEqualTo("FEATURE_EXTRACTION");
            // what AutoModel and AutoTokenizer load
            assertThat(config.get("base_model_name_or_path").getAsString()).isEqualTo(Exports.MINILM);
            assertThat(config.get("num_virtual_tokens").getAsInt()).isEqualTo(4);
            assertThat(config.get("token_dim").getAsInt()).isEqualTo(384);
            assertThat(config.get("num_transformer_submodules").getAsInt()).isEqualTo(1);

            // prompt_encoder["default"].embedding.weight after loading
            assertThat(tensors(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE)))
                    .isEqualTo(Map.of("prompt_embeddings", "F32 [4,384]"));
            assertThat(tensors(folder.resolve(ExportFolder.HEAD_FILE)))
                    .isEqualTo(Map.of("weight", "F32 [3,384]", "bias", "F32 [3]"));

            JsonObject settings = json(folder.resolve(ExportFolder.SETTINGS_FILE));
            assertThat(settings.getAsJsonArray("labels").toString())
                    .isEqualTo("[\"entailment\",\"contradiction\",\"neutral\"]");
            assertThat(settings.get("maxLength").getAsInt()).isEqualTo(64);
            assertThat(settings.get("backbone").getAsString()).isEqualTo(Exports.MINILM);
            // a linear head: no 'head' key (a verbalizer export says "verbalizer" and has no head file)
            assertThat(settings.has("head")).isFalse();
            String placement = settings.get("placement").getAsString();
            assertThat(placement).isEqualTo(folder == exportFolder ? "after-cls" : "before-input");
            // the recipe's splice index: 1 after [CLS], 0 before the input; the head reads position 0 either way
            assertThat(PromptPlacement.parse(placement).insertionIndex()).isEqualTo(folder == exportFolder ? 1 : 0);
        }
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    /** name to "dtype shape" of a safetensors file's tensors. */
    private static Map<String, String> tensors(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) length, StandardCharsets.UTF_8))
                .getAsJsonObject();
        header.remove("__metadata__");
        Map<String, String> result = new TreeMap<>();
        header.entrySet().forEach(e -> result.put(e.getKey(), e.getValue().getAsJsonObject().get("dtype").getAsString()
                + " " + e.getValue().getAsJsonObject().get("shape")));
        return result;
    }
}
