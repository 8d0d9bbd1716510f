package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonParser;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptShape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT {@code PREFIX_TUNING} and {@code LORA} folders: round trips, the config fields against what
 * PEFT writes, folders as PEFT saves them, and the refusals.
 */
class LayerAdapterFilesTest {

    private static final int LAYERS = 2;
    private static final int HEADS = 2;
    private static final int D = 8;
    private static final int INTERMEDIATE = 12;
    private static final int R = 3;
    private static final String BASE = "sentence-transformers/all-MiniLM-L6-v2";

    @TempDir
    Path temp;

    static PrefixTuningAdapter prefix(long seed) {
        int m = 4;
        return new PrefixTuningAdapter(new PromptEmbeddings(new PromptShape(m, LAYERS * 2 * D),
                random(new Random(seed), m * LAYERS * 2 * D)), LAYERS, HEADS, BASE);
    }

    static LoraAdapter lora(long seed, List<LinearTarget> targets) {
        Random random = new Random(seed);
        List<LoraAdapter.Factors> factors = new ArrayList<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (LinearTarget t : targets) {
                factors.add(new LoraAdapter.Factors(layer, t, random(random, R * t.inFeatures(D, INTERMEDIATE)),
                        random(random, t.outFeatures(D, INTERMEDIATE) * R)));
            }
        }
        return new LoraAdapter(R, 6, false, 0.1f, targets, LAYERS, factors, BASE);
    }

    private static float[] random(Random random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    @Test
    void aPrefixRoundTrips() {
        PrefixTuningAdapter written = prefix(1);
        LayerAdapterFiles.write(temp, written);
        assertThat(LayerAdapterFiles.peftType(temp)).isEqualTo("PREFIX_TUNING");
        assertThat(LayerAdapterFiles.read(temp)).isEqualTo(written);
    }

    @Test
    void loraFactorsRoundTripForEveryTarget() {
        LoraAdapter written = lora(2, List.of(LinearTarget.values()));
        LayerAdapterFiles.write(temp, written);
        LoraAdapter read = (LoraAdapter) LayerAdapterFiles.read(temp);
        assertThat(read.rank()).isEqualTo(R);
        assertThat(read.alpha()).isEqualTo(6f);
        assertThat(read.scale()).isEqualTo(2f);
        assertThat(read.dropout()).isEqualTo(0.1f);
        assertThat(read.targets()).containsExactly(LinearTarget.values());
        assertThat(read.baseModel()).isEqualTo(BASE);
        for (LoraAdapter.Factors f : written.factors()) {
            assertThat(read.factors(f.layer(), f.target()).a()).containsExactly(f.a());
            assertThat(read.factors(f.layer(), f.target()).b()).containsExactly(f.b());
        }
    }

    /**
     * The config PEFT writes for a prefix: keys sorted, two-space indent
     * ({@code PeftConfigMixin.save_pretrained}, peft {@code src/peft/config.py}).
     */
    @Test
    void thePrefixConfigHasPeftsFields() throws IOException {
        LayerAdapterFiles.write(temp, prefix(1));
        assertThat(Files.readString(temp.resolve(PromptAdapterFiles.CONFIG_FILE))).isEqualTo("""
                {
                  "auto_mapping": null,
                  "base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
                  "encoder_hidden_size": 8,
                  "inference_mode": true,
                  "num_attention_heads": 2,
                  "num_layers": 2,
                  "num_transformer_submodules": 1,
                  "num_virtual_tokens": 4,
                  "peft_type": "PREFIX_TUNING",
                  "prefix_projection": false,
                  "revision": null,
                  "task_type": "FEATURE_EXTRACTION",
                  "token_dim": 8
                }""");
        // where each comes from in peft's sources:
        // auto_mapping, peft_type, task_type: PeftConfigMixin (config.py); FEATURE_EXTRACTION as PromptAdapterFiles
        // base_model_name_or_path, revision, inference_mode: PeftConfig (config.py)
        // num_virtual_tokens, token_dim, num_transformer_submodules, num_attention_heads, num_layers:
        //   PromptLearningConfig (config.py)
        // encoder_hidden_size, prefix_projection (default False): PrefixTuningConfig (tuners/prefix_tuning/config.py)
    }

    @Test
    void theLoraConfigHasPeftsFieldsAndUnambiguousTargetModules() throws IOException {
        LayerAdapterFiles.write(temp, lora(2, List.of(LinearTarget.QUERY, LinearTarget.VALUE,
                LinearTarget.ATTENTION_OUTPUT, LinearTarget.INTERMEDIATE, LinearTarget.OUTPUT)));
        assertThat(Files.readString(temp.resolve(PromptAdapterFiles.CONFIG_FILE))).isEqualTo("""
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2",
                  "bias": "none",
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "lora_alpha": 6,
                  "lora_dropout": 0.1,
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 3,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": [
                    "attention.self.query",
                    "attention.self.value",
                    "attention.output.dense",
                    "intermediate.dense",
                    "encoder.layer.0.output.dense",
                    "encoder.layer.1.output.dense"
                  ],
                  "task_type": "FEATURE_EXTRACTION",
                  "use_rslora": false
                }""");
        // auto_mapping, peft_type, task_type, base_model_name_or_path, revision, inference_mode: config.py as above
        // r (default 8), target_modules, lora_alpha (int), lora_dropout, fan_in_fan_out (False), bias ("none"),
        // use_rslora (False), modules_to_save (None), init_lora_weights (True), layers_to_transform,
        // layers_pattern (None), rank_pattern and alpha_pattern (default_factory=dict): LoraConfig
        // (tuners/lora/config.py). PEFT's check_target_module_exists (tuners/tuners_utils.py) matches a module whose
        // name equals an entry or ends with "." + entry: "output.dense" would also hit attention.output.dense.
    }

    @Test
    void loraKeysAreThoseOfPeftsStateDictForABertModel() {
        LayerAdapterFiles.write(temp, lora(2, List.of(LinearTarget.QUERY)));
        var header = dev.peft4j.api.internal.SafetensorsHeader.check(temp.resolve(PromptAdapterFiles.WEIGHTS_FILE), "");
        assertThat(header.tensors().keySet()).containsExactlyInAnyOrder(
                "base_model.model.encoder.layer.0.attention.self.query.lora_A.weight",
                "base_model.model.encoder.layer.0.attention.self.query.lora_B.weight",
                "base_model.model.encoder.layer.1.attention.self.query.lora_A.weight",
                "base_model.model.encoder.layer.1.attention.self.query.lora_B.weight");
        assertThat(header.tensors().get("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight").shape())
                .containsExactly((long) R, (long) D);
    }

    /**
     * A config shaped like one PEFT saves for {@code get_peft_model(BertForSequenceClassification,
     * LoraConfig(r=3, lora_alpha=16, target_modules=["query", "value"], task_type="SEQ_CLS"))}: sorted keys,
     * fields of several releases (LoraConfig in tuners/lora/config.py), some of which peft4j does not read.
     */
    private static String peftLoraConfig(String extra) {
        return "{\n  \"alpha_pattern\": {},\n  \"auto_mapping\": null,\n  \"base_model_name_or_path\": \"" + BASE
                + "\",\n  \"bias\": \"none\",\n  \"fan_in_fan_out\": false,\n  \"inference_mode\": true,\n"
                + "  \"init_lora_weights\": true,\n  \"layer_replication\": null,\n  \"layers_pattern\": null,\n"
                + "  \"layers_to_transform\": null,\n  \"loftq_config\": {},\n  \"lora_alpha\": 16,\n"
                + "  \"lora_dropout\": 0.05,\n  \"megatron_config\": null,\n  \"megatron_core\": \"megatron.core\",\n"
                + "  \"modules_to_save\": [\"classifier\", \"score\"],\n  \"peft_type\": \"LORA\",\n  \"r\": 3,\n"
                + "  \"rank_pattern\": {},\n  \"revision\": null,\n  \"target_modules\": [\"value\", \"query\"],\n"
                + "  \"task_type\": \"SEQ_CLS\",\n  \"use_dora\": false,\n  \"use_rslora\": false" + extra + "\n}";
    }

    /** Writes a safetensors file with the given tensors (shape and values by key). */
    private static void tensors(Path folder, Map<String, Shape> shapes) throws IOException {
        Random random = new Random(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList list = new NDList();
            shapes.forEach((key, shape) -> {
                NDArray array = manager.create(random(random, Math.toIntExact(shape.size())), shape);
                array.setName(key);
                list.add(array);
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            list.encode(out, NDList.Encoding.SAFETENSORS);
            Files.write(folder.resolve(PromptAdapterFiles.WEIGHTS_FILE), out.toByteArray());
        }
    }

    /** The tensors PEFT saves for a SEQ_CLS BERT with LoRA on query and value, r 3, and its classifier. */
    private static Map<String, Shape> seqClsTensors(String adapterName) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (int layer = 0; layer < LAYERS; layer++) {
            for (String module : List.of("query", "value")) {
                String prefix = "base_model.model.bert.encoder.layer." + layer + ".attention.self." + module;
                shapes.put(prefix + ".lora_A" + adapterName + ".weight", new Shape(R, D));
                shapes.put(prefix + ".lora_B" + adapterName + ".weight", new Shape(D, R));
            }
        }
        shapes.put("base_model.model.classifier.weight", new Shape(3, D));
        shapes.put("base_model.model.classifier.bias", new Shape(3));
        return shapes;
    }

    @Test
    void aFolderAsPeftSavesItReadsWithOrWithoutTheAdapterName() throws IOException {
        for (String name : List.of("", ".default")) {
            Path folder = Files.createDirectories(temp.resolve("peft" + name));
            Files.writeString(folder.resolve(PromptAdapterFiles.CONFIG_FILE), peftLoraConfig(""));
            tensors(folder, seqClsTensors(name));

            LoraAdapter read = (LoraAdapter) LayerAdapterFiles.read(folder);

            assertThat(read.targets()).as(name).containsExactly(LinearTarget.QUERY, LinearTarget.VALUE);
            assertThat(read.numLayers()).isEqualTo(LAYERS);
            assertThat(read.scale()).isEqualTo(16f / 3);
            assertThat(read.factors(1, LinearTarget.VALUE).a()).hasSize(R * D);
        }
    }

    @Test
    void aPrefixAsPeftSavesItReads() throws IOException {
        Files.writeString(temp.resolve(PromptAdapterFiles.CONFIG_FILE), "{\n  \"auto_mapping\": null,\n"
                + "  \"base_model_name_or_path\": \"" + BASE + "\",\n  \"encoder_hidden_size\": 8,\n"
                + "  \"inference_mode\": true,\n  \"init_weights\": null,\n  \"modules_to_save\": null,\n"
                + "  \"num_attention_heads\": 2,\n  \"num_layers\": 2,\n  \"num_transformer_submodules\": 1,\n"
                + "  \"num_virtual_tokens\": 5,\n  \"peft_type\": \"PREFIX_TUNING\",\n  \"peft_version\": \"0.17.0\",\n"
                + "  \"prefix_projection\": false,\n  \"revision\": null,\n  \"task_type\": \"SEQ_CLS\",\n"
                + "  \"token_dim\": 8\n}");
        tensors(temp, Map.of("prompt_embeddings", new Shape(5, LAYERS * 2 * D),
                "base_model.classifier.weight", new Shape(3, D)));
        PrefixTuningAdapter read = (PrefixTuningAdapter) LayerAdapterFiles.read(temp);
        assertThat(read.prefixLength()).isEqualTo(5);
        assertThat(read.tokenDim()).isEqualTo(D);
    }

    @Test
    void aPrefixTrainedWithPeftsProjectionReadsAsTheComputedPrefixPeftSaved() throws IOException {
        // PEFT saves prompt_encoder(tokens), the projection's output (m, L*2*d), also with prefix_projection true
        // (PeftModel.get_prompt_embedding_to_save via BasePromptEncoder._get_adapter_state_dict)
        Files.writeString(temp.resolve(PromptAdapterFiles.CONFIG_FILE), "{\n  \"base_model_name_or_path\": \""
                + BASE + "\",\n  \"encoder_hidden_size\": 16,\n  \"inference_mode\": true,\n"
                + "  \"num_attention_heads\": 2,\n  \"num_layers\": 2,\n  \"num_transformer_submodules\": 1,\n"
                + "  \"num_virtual_tokens\": 5,\n  \"peft_type\": \"PREFIX_TUNING\",\n"
                + "  \"prefix_projection\": true,\n  \"task_type\": \"FEATURE_EXTRACTION\",\n  \"token_dim\": 8\n}");
        tensors(temp, Map.of("prompt_embeddings", new Shape(5, LAYERS * 2 * D)));
        PrefixTuningAdapter read = (PrefixTuningAdapter) LayerAdapterFiles.read(temp);
        assertThat(read.prefixLength()).isEqualTo(5);
        assertThat(read.tokenDim()).isEqualTo(D);
    }

    private void assertRefused(String config, Map<String, Shape> shapes, String... fragments) throws IOException {
        Files.writeString(temp.resolve(PromptAdapterFiles.CONFIG_FILE), config);
        tensors(temp, shapes);
        var thrown = assertThatThrownBy(() -> LayerAdapterFiles.read(temp)).isInstanceOf(PromptFormatException.class);
        for (String fragment : fragments) {
            thrown.hasMessageContaining(fragment);
        }
    }

    @Test
    void wrongShapesAreRefusedNamingTheFileAndTensor() throws IOException {
        Map<String, Shape> shapes = seqClsTensors("");
        shapes.put("base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight", new Shape(D + 1, R));
        assertRefused(peftLoraConfig(""), shapes, PromptAdapterFiles.WEIGHTS_FILE,
                "layer.1.attention.self.value.lora_B.weight", "[9,3]");
    }

    @Test
    void aRankOtherThanTheConfigsIsRefused() throws IOException {
        assertRefused(peftLoraConfig("").replace("\"r\": 3", "\"r\": 4"), seqClsTensors(""), "[3,8]", "r 4");
    }

    @Test
    void anUnknownTargetModuleIsRefused() throws IOException {
        Map<String, Shape> shapes = seqClsTensors("");
        shapes.put("base_model.model.bert.encoder.layer.0.attention.self.dense.lora_A.weight", new Shape(R, D));
        assertRefused(peftLoraConfig(""), shapes, "attention.self.dense", "not a target");
        shapes = seqClsTensors("");
        shapes.put("base_model.model.bert.pooler.dense.lora_A.weight", new Shape(R, D));
        assertRefused(peftLoraConfig(""), shapes, "pooler.dense", "encoder.layer");
    }

    @Test
    void patternsBiasesAndMissingLayersAreRefused() throws IOException {
        assertRefused(peftLoraConfig("").replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"query\": 8}"),
                seqClsTensors(""), PromptAdapterFiles.CONFIG_FILE, "rank_pattern");
        assertRefused(peftLoraConfig("").replace("\"alpha_pattern\": {}", "\"alpha_pattern\": {\"query\": 8}"),
                seqClsTensors(""), "alpha_pattern");
        assertRefused(peftLoraConfig("").replace("\"bias\": \"none\"", "\"bias\": \"lora_only\""),
                seqClsTensors(""), "bias 'lora_only'");
        Map<String, Shape> shapes = seqClsTensors("");
        shapes.keySet().removeIf(k -> k.contains("layer.0.attention.self.value"));
        assertRefused(peftLoraConfig(""), shapes, "layer 0 attention.self.value", PromptAdapterFiles.WEIGHTS_FILE);
    }

    @Test
    void aPrefixOfAnotherShapeThanItsConfigIsRefused() throws IOException {
        LayerAdapterFiles.write(temp, prefix(1));
        String config = Files.readString(temp.resolve(PromptAdapterFiles.CONFIG_FILE));
        Files.writeString(temp.resolve(PromptAdapterFiles.CONFIG_FILE), config.replace("\"num_layers\": 2",
                "\"num_layers\": 3"));
        assertThatThrownBy(() -> LayerAdapterFiles.read(temp)).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(PromptAdapterFiles.WEIGHTS_FILE).hasMessageContaining("[4,32]")
                .hasMessageContaining("[4,48]");
        assertThat(JsonParser.parseString(config).getAsJsonObject().get("peft_type").getAsString())
                .isEqualTo("PREFIX_TUNING");
        assertThat(config.getBytes(StandardCharsets.UTF_8)).isNotEmpty();
    }
}
