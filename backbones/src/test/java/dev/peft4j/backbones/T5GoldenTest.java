package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PromptInjection;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two tiny random T5 checkpoints of {@code t5-tiny/} (T5 v1.0: ReLU, tied output scaled by
 * {@code d^-0.5}; v1.1: gated tanh-GELU, untied {@code lm_head}) against the outputs Hugging Face
 * transformers' {@code T5ForConditionalGeneration} gives for them ({@code golden.json}; see the
 * README beside it): relative-position buckets, encoder states and decoder logits with and without
 * a soft prompt prepended, a 24-position decoder that reaches the logarithmic buckets, label
 * log-likelihoods by teacher forcing and their gradient with respect to the prompt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class T5GoldenTest {

    /** The fixture README's suggestion; a wrong convention shows up at 5e-4 or more. */
    static final double TOLERANCE = 1e-5;

    private final Map<String, Double> largest = new TreeMap<>();
    private final Map<String, Backbone> models = new TreeMap<>();
    private JsonObject golden;

    @BeforeAll
    void load() throws IOException {
        golden = golden();
        for (String name : List.of("t5-tiny-v1", "t5-tiny-v11")) {
            models.put(name, Backbones.load(folder(name).toString(), Device.cpu()));
        }
    }

    @AfterAll
    void close() {
        System.out.println("t5-tiny golden max |difference| by kind: " + largest);
        models.values().forEach(Backbone::close);
    }

    static JsonObject golden() throws IOException {
        try (InputStream in = T5GoldenTest.class.getResourceAsStream("/t5-tiny/golden.json")) {
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    /** A fixture checkpoint folder among the test resources. */
    static Path folder(String name) {
        try {
            return Path.of(T5GoldenTest.class.getResource("/t5-tiny/" + name + "/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> names() {
        return Stream.of("t5-tiny-v1", "t5-tiny-v11");
    }

    @Test
    void configurationsAreReadFromTheFolders() {
        T5Config v1 = models.get("t5-tiny-v1").getT5Model().orElseThrow().getConfig();
        T5Config v11 = models.get("t5-tiny-v11").getT5Model().orElseThrow().getConfig();
        assertThat(v1).isEqualTo(new T5Config(64, 16, 4, 4, 32, 2, 2, 8, 20, 1e-6f, T5Config.FeedForward.RELU, true,
                0, 1, 512));
        assertThat(v11.feedForward()).isEqualTo(T5Config.FeedForward.GATED_GELU);
        assertThat(v11.tieWordEmbeddings()).isFalse();
        assertThat(models.get("t5-tiny-v11").getT5Model().orElseThrow().parametersByHuggingFaceName())
                .containsKey("lm_head.weight");
        assertThat(models.get("t5-tiny-v1").getT5Model().orElseThrow().parametersByHuggingFaceName())
                .doesNotContainKey("lm_head.weight");
        // the fixture folders have no tokenizer.json: loading works, tokenizing says what is missing
        Backbone v1Backbone = models.get("t5-tiny-v1");
        assertThat(v1Backbone.isTextToText()).isTrue();
        assertThat(Backbones.isT5Folder(folder("t5-tiny-v1").toString())).isTrue();
        assertThatThrownBy(v1Backbone::getTokenizer).isInstanceOf(BackboneException.class)
                .hasMessageContaining("has no tokenizer.json");
        assertThatThrownBy(v1Backbone::getEncoder).isInstanceOf(BackboneException.class)
                .hasMessageContaining("getT5Model()");
    }

    @Test
    void anUnsupportedFeedForwardIsRefusedNamingIt(@TempDir Path temp) throws IOException {
        Path copy = Files.createDirectories(temp.resolve("silu"));
        Files.copy(folder("t5-tiny-v11").resolve("model.safetensors"), copy.resolve("model.safetensors"));
        Files.writeString(copy.resolve("config.json"), Files.readString(folder("t5-tiny-v11").resolve("config.json"))
                .replace("\"gated-gelu\"", "\"gated-silu\""));
        assertThatThrownBy(() -> Backbones.load(copy.toString(), Device.cpu())).isInstanceOf(BackboneException.class)
                .hasMessageContaining("gated-silu").hasMessageContaining("\"gated-gelu\" (T5 v1.1, flan-t5)");
    }

    @Test
    void relativePositionBucketsAreTransformers() {
        for (Map.Entry<String, JsonElement> entry : golden.getAsJsonObject("relative_position_buckets").entrySet()) {
            JsonObject table = entry.getValue().getAsJsonObject();
            int from = table.get("relative_position_from").getAsInt();
            boolean bidirectional = table.get("bidirectional").getAsBoolean();
            int buckets = table.get("num_buckets").getAsInt();
            int maxDistance = table.get("max_distance").getAsInt();
            JsonArray expected = table.getAsJsonArray("buckets");
            for (int i = 0; i < expected.size(); i++) {
                assertThat(T5Model.relativePositionBucket(from + i, bidirectional, buckets, maxDistance))
                        .as("%s: relative position %d", entry.getKey(), from + i)
                        .isEqualTo(expected.get(i).getAsInt());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void encoderStatesAndLogitsWithoutPrompt(String name) {
        JsonObject expected = model(name).getAsJsonObject("no_prompt");
        T5Model model = models.get(name).getT5Model().orElseThrow();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ids = longs(manager, input("input_ids"));
            NDArray mask = longs(manager, input("attention_mask"));
            NDArray hidden = model.encode(ps, model.embedTokens(ps, ids), mask, false);
            compare("encoder states", hidden, expected.get("encoder_last_hidden_state"));
            NDArray logits = model.forward(ps, new NDList(ids, mask, longs(manager, input("decoder_input_ids"))), false)
                    .singletonOrThrow();
            compare("decoder logits", logits, expected.get("decoder_logits"));
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void aLongDecoderReachesTheLogarithmicBuckets(String name) {
        JsonObject expected = model(name).getAsJsonObject("long_decoder_no_prompt");
        T5Model model = models.get(name).getT5Model().orElseThrow();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray logits = model.forward(ps, new NDList(longs(manager, input("input_ids")),
                    longs(manager, input("attention_mask")), longs(manager, expected.get("decoder_input_ids"))), false)
                    .singletonOrThrow();
            compare("long decoder logits", logits, expected.get("decoder_logits"));
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void aPromptPrependedToTheEncoderInput(String name) {
        JsonObject expected = model(name).getAsJsonObject("with_prompt");
        T5Model model = models.get(name).getT5Model().orElseThrow();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDList encoded = encodeWithPrompt(model, ps, manager, floats(manager, input("soft_prompt")));
            assertThat(encoded.get(1).toLongArray()).isEqualTo(longs(manager, expected.get("encoder_attention_mask"))
                    .toLongArray());
            compare("encoder states with prompt", encoded.get(0), expected.get("encoder_last_hidden_state"));
            NDArray logits = model.logits(ps, model.decode(ps, longs(manager, input("decoder_input_ids")),
                    encoded.get(0), encoded.get(1), false));
            compare("decoder logits with prompt", logits, expected.get("decoder_logits"));
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void labelLogLikelihoodsAndTheirGradientWithRespectToThePrompt(String name) {
        JsonObject expected = model(name).getAsJsonObject("label_scoring");
        T5Model model = models.get(name).getT5Model().orElseThrow();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray labels = longs(manager, expected.get("labels"));
            NDArray decoderIds = longs(manager, expected.get("decoder_input_ids"));
            NDArray mask = longs(manager, input("attention_mask"));
            NDArray hidden = model.encode(ps, model.embedTokens(ps, longs(manager, input("input_ids"))), mask, false);
            NDArray tokens = tokenLogProbs(model, ps, decoderIds, hidden, mask, labels);
            compare("token log-probabilities", tokens, expected.get("token_log_probs_no_prompt"));
            compare("log-likelihoods", tokens.sum(new int[] {1}), expected.get("log_likelihood_no_prompt"));
            compare("mean loss", tokens.mean().neg(), expected.get("hf_mean_loss_no_prompt"));

            NDArray prompt = floats(manager, input("soft_prompt"));
            prompt.setRequiresGradient(true);
            NDArray withPrompt;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDList encoded = encodeWithPrompt(model, ps, manager, prompt);
                withPrompt = tokenLogProbs(model, ps, decoderIds, encoded.get(0), encoded.get(1), labels);
                collector.backward(withPrompt.sum());
            }
            compare("token log-probabilities with prompt", withPrompt, expected.get("token_log_probs_with_prompt"));
            compare("log-likelihoods with prompt", withPrompt.sum(new int[] {1}),
                    expected.get("log_likelihood_with_prompt"));
            compare("gradient wrt prompt", prompt.getGradient(),
                    expected.get("grad_sum_log_likelihood_with_prompt_wrt_prompt"));
        }
    }

    @Test
    void theFrozenModelGetsNoGradient() {
        T5Model model = models.get("t5-tiny-v1").getT5Model().orElseThrow();
        assertThat(model.parametersByHuggingFaceName().values()).allSatisfy(p -> assertThat(p.requiresGradient())
                .isFalse());
    }

    private NDList encodeWithPrompt(T5Model model, ParameterStore ps, NDManager manager, NDArray prompt) {
        NDArray ids = longs(manager, input("input_ids"));
        NDArray mask = longs(manager, input("attention_mask"));
        NDList injected = PromptInjection.inject(prompt, model.embedTokens(ps, ids), mask,
                manager.zeros(ids.getShape(), DataType.INT64), 0);
        return new NDList(model.encode(ps, injected.get(0), injected.get(1), false), injected.get(1));
    }

    private static NDArray tokenLogProbs(T5Model model, ParameterStore ps, NDArray decoderIds, NDArray hidden,
            NDArray mask, NDArray labels) {
        NDArray logProbs = model.logits(ps, model.decode(ps, decoderIds, hidden, mask, false)).logSoftmax(-1);
        return logProbs.gather(labels.expandDims(2), 2).squeeze(2);
    }

    private JsonObject model(String name) {
        return golden.getAsJsonObject("models").getAsJsonObject(name);
    }

    private JsonElement input(String key) {
        return golden.getAsJsonObject("inputs").get(key);
    }

    private void compare(String kind, NDArray actual, JsonElement expected) {
        List<Long> shape = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        flatten(expected, shape, values, 0);
        assertThat(actual.getShape()).as(kind)
                .isEqualTo(new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
        float[] got = actual.toType(DataType.FLOAT32, false).toFloatArray();
        double worst = 0;
        int worstAt = 0;
        for (int i = 0; i < got.length; i++) {
            double difference = Math.abs(got[i] - values.get(i));
            if (!(difference <= worst)) {
                worst = difference;
                worstAt = i;
            }
        }
        largest.merge(kind, worst, Math::max);
        assertThat(worst).as("%s: largest |difference| at flat index %d (got %s, expected %s)", kind, worstAt,
                got[worstAt], values.get(worstAt)).isLessThanOrEqualTo(TOLERANCE);
    }

    private static void flatten(JsonElement element, List<Long> shape, List<Double> values, int depth) {
        if (element.isJsonArray()) {
            JsonArray array = element.getAsJsonArray();
            if (shape.size() == depth) {
                shape.add((long) array.size());
            }
            array.forEach(e -> flatten(e, shape, values, depth + 1));
        } else {
            values.add(element.getAsDouble());
        }
    }

    static NDArray longs(NDManager manager, JsonElement element) {
        List<Long> shape = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        flatten(element, shape, values, 0);
        return manager.create(values.stream().mapToLong(Double::longValue).toArray(),
                new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
    }

    static NDArray floats(NDManager manager, JsonElement element) {
        List<Long> shape = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        flatten(element, shape, values, 0);
        float[] data = new float[values.size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = values.get(i).floatValue();
        }
        return manager.create(data, new Shape(shape.stream().mapToLong(Long::longValue).toArray()));
    }
}
