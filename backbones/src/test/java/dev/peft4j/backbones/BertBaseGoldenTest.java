package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * BERT-Base uncased from its Maven artifact against the fixture's float64 reference
 * ({@code bert-base-uncased-mlm/golden.json}, see the README beside it): tensor values, token
 * ids, hidden states, MLM logits and top-10 for single, pair, long, batched and soft-prompt inputs.
 * Tagged real-data: the 408 MB artifact is a test dependency of the real-data profile only, so a
 * fresh clone's default build neither downloads nor loads it (loading takes 15-20 s on 2 cores).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("real-data")
class BertBaseGoldenTest {

    private static final double TOLERANCE = 1e-4;

    private final Map<String, Double> largestDifferences = new java.util.TreeMap<>();
    private JsonObject golden;
    private Backbone backbone;

    @BeforeAll
    void load() throws IOException {
        try (InputStream in = BertBaseGoldenTest.class.getResourceAsStream("/bert-base-uncased-mlm/golden.json")) {
            golden = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
        long start = System.nanoTime();
        backbone = Backbones.load("bert-base-uncased", Device.cpu());
        System.out.printf("bert-base-uncased loaded in %.1f s, peak resident memory so far %s%n",
                (System.nanoTime() - start) / 1e9, peakResidentMemory());
    }

    @AfterAll
    void close() {
        System.out.println("golden max |difference| by kind: " + largestDifferences + "; peak resident memory "
                + peakResidentMemory());
        if (backbone != null) {
            backbone.close();
        }
    }

    @Test
    void hasTheConfigurationAndAnMlmHead() {
        assertThat(backbone.getEncoder().getConfig())
                .isEqualTo(new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12f));
        assertThat(backbone.getMlmHead()).isPresent();
    }

    @Test
    void everyKeptTensorHasTheCheckpointsValues() {
        Map<String, Parameter> parameters = new HashMap<>(backbone.getEncoder().parametersByHuggingFaceName());
        parameters.putAll(backbone.getMlmHead().orElseThrow().parametersByHuggingFaceName());
        int checked = 0;
        for (JsonElement element : golden.getAsJsonObject("checkpoint").getAsJsonArray("variables")) {
            JsonObject variable = element.getAsJsonObject();
            String name = variable.get("hf_name").getAsString().replaceFirst("^bert\\.", "");
            if (name.startsWith("pooler.")) {
                continue; // not kept: prompt tuning and the MLM head do not use it
            }
            NDArray array = parameters.get(name).getArray();
            float[] values = (variable.get("hf_transpose").getAsBoolean() ? array.transpose() : array).toFloatArray();
            float[] first4 = floats(variable.getAsJsonArray("first4"));
            for (int i = 0; i < 4; i++) {
                assertThat(values[i]).as(name + " value " + i).isEqualTo(first4[i]);
            }
            assertThat(values[values.length - 1]).as(name + " last").isEqualTo(variable.get("last").getAsFloat());
            double sum = 0;
            for (float v : values) {
                sum += v;
            }
            assertThat(sum).as(name + " sum")
                    .isCloseTo(variable.get("sum").getAsDouble(), org.assertj.core.data.Offset.offset(
                            1e-6 * variable.get("sum_abs").getAsDouble()));
            checked++;
        }
        assertThat(checked).isEqualTo(202); // 204 less the pooler's kernel and bias
    }

    @Test
    void tokenizesAsTheReference() {
        TextTokenizer tokenizer = backbone.getTokenizer();
        for (JsonElement element : golden.getAsJsonArray("tokenizer_cases")) {
            JsonObject c = element.getAsJsonObject();
            assertThat(tokenizer.tokenIdsOf(c.get("text").getAsString())).as(c.get("text").getAsString())
                    .containsExactly(longs(c.getAsJsonArray("ids")));
        }
        JsonObject single = testCase("single");
        assertThat(tokenizer.encode(List.of(single.get("text").getAsString()), 512).tokenIds())
                .containsExactly(longs(single.getAsJsonArray("input_ids")));
        JsonObject truncated = testCase("long_truncated");
        assertThat(tokenizer.encode(List.of(truncated.get("text").getAsString()), 128).tokenIds())
                .containsExactly(longs(truncated.getAsJsonArray("input_ids")));
        JsonObject untruncated = testCase("long_untruncated");
        assertThat(tokenizer.encode(List.of(untruncated.get("text").getAsString()), 512).tokenIds())
                .containsExactly(longs(untruncated.getAsJsonArray("input_ids")));
        JsonObject pair = testCase("pair");
        EncodedBatch encoded = tokenizer.encodePairs(List.of(pair.get("segment_a_text").getAsString()),
                List.of(pair.get("segment_b_text").getAsString()), 512);
        assertThat(encoded.tokenIds()).containsExactly(longs(pair.getAsJsonArray("input_ids")));
        assertThat(encoded.tokenTypeIds()).containsExactly(longs(pair.getAsJsonArray("token_type_ids")));
    }

    @Test
    void singlePairAndLongCasesMatch() {
        for (String name : List.of("single", "pair", "long_truncated", "long_untruncated")) {
            JsonObject c = testCase(name);
            try (NDManager step = backbone.getManager().newSubManager()) {
                NDArray hidden = encode(step, List.of(c), null);
                checkRow(name, c, hidden.get(0));
            }
        }
    }

    @Test
    void aPaddedBatchMatchesRowByRow() {
        List<JsonObject> rows = StreamSupport.stream(testCase("batch_single_pair").getAsJsonArray("rows").spliterator(),
                false).map(JsonElement::getAsJsonObject).toList();
        try (NDManager step = backbone.getManager().newSubManager()) {
            NDArray hidden = encode(step, rows, null);
            for (int r = 0; r < rows.size(); r++) {
                checkRow("batch row " + r, rows.get(r), hidden.get(r));
            }
        }
    }

    @Test
    void softPromptVectorsTakeTheWordEmbeddingsOfPositionsOneToFive() {
        JsonObject c = testCase("soft_prompt");
        JsonArray vectors = c.getAsJsonArray("prompt_vectors");
        float[] prompt = new float[vectors.size() * 768];
        for (int i = 0; i < vectors.size(); i++) {
            System.arraycopy(floats(vectors.get(i).getAsJsonArray()), 0, prompt, i * 768, 768);
        }
        try (NDManager step = backbone.getManager().newSubManager()) {
            NDArray hidden = encode(step, List.of(c), step.create(prompt, new Shape(1, vectors.size(), 768)));
            checkRow("soft_prompt", c, hidden.get(0));
        }
    }

    /** The last hidden states of golden rows; a prompt replaces the word embeddings at 1..n. */
    private NDArray encode(NDManager step, List<JsonObject> rows, NDArray prompt) {
        int length = rows.get(0).getAsJsonArray("input_ids").size();
        long[] ids = new long[rows.size() * length];
        long[] mask = new long[ids.length];
        long[] types = new long[ids.length];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(longs(rows.get(r).getAsJsonArray("input_ids")), 0, ids, r * length, length);
            System.arraycopy(longs(rows.get(r).getAsJsonArray("attention_mask")), 0, mask, r * length, length);
            System.arraycopy(longs(rows.get(r).getAsJsonArray("token_type_ids")), 0, types, r * length, length);
        }
        Shape shape = new Shape(rows.size(), length);
        ParameterStore ps = new ParameterStore(step, false);
        BertEncoder encoder = backbone.getEncoder();
        NDArray embeddings = encoder.embedTokens(ps, step.create(ids, shape));
        if (prompt != null) {
            long n = prompt.getShape().get(1);
            embeddings = NDArrays.concat(new NDList(embeddings.get(":, :1"), prompt,
                    embeddings.get(new NDIndex(":, {}:", 1 + n))), 1);
        }
        return encoder.encode(ps, embeddings, step.create(mask, shape), step.create(types, shape), false);
    }

    /** [CLS] and [MASK] hidden states, probe logits and the top 10 of one row. */
    private void checkRow(String name, JsonObject c, NDArray hidden) {
        int maskPosition = c.get("mask_position").getAsInt();
        assertClose(name + " [CLS]", hidden.get(0).toFloatArray(), floats(c.getAsJsonArray("cls_hidden")));
        NDArray maskHidden = hidden.get(maskPosition);
        assertClose(name + " [MASK]", maskHidden.toFloatArray(), floats(c.getAsJsonArray("mask_hidden")));

        ParameterStore ps = new ParameterStore(hidden.getManager(), false);
        NDArray logits = backbone.getMlmHead().orElseThrow().logits(ps, maskHidden.reshape(1, 768), false).get(0);
        float[] all = logits.toFloatArray();
        long[] probes = longs(golden.getAsJsonArray("probe_ids"));
        float[] probeLogits = new float[probes.length];
        for (int i = 0; i < probes.length; i++) {
            probeLogits[i] = all[(int) probes[i]];
        }
        assertClose(name + " probe logits", probeLogits, floats(c.getAsJsonArray("probe_logits")));

        long[] top = logits.argSort(-1, false).get(":10").toLongArray();
        assertThat(top).as(name + " top-10 ids").containsExactly(longs(c.getAsJsonArray("top10_ids")));
        float[] topLogits = new float[10];
        float[] topLogSoftmax = new float[10];
        float[] logSoftmax = logits.logSoftmax(-1).toFloatArray();
        for (int i = 0; i < 10; i++) {
            topLogits[i] = all[(int) top[i]];
            topLogSoftmax[i] = logSoftmax[(int) top[i]];
        }
        assertClose(name + " top-10 logits", topLogits, floats(c.getAsJsonArray("top10_logits")));
        assertClose(name + " top-10 log-softmax", topLogSoftmax, floats(c.getAsJsonArray("top10_log_softmax")));
    }

    private void assertClose(String what, float[] actual, float[] expected) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
        }
        assertThat(max).as(what + ": max |difference|").isLessThanOrEqualTo(TOLERANCE);
        largestDifferences.merge(what.substring(what.lastIndexOf(' ') + 1), max, Math::max);
    }

    /** The JVM's peak resident set (Linux), for the log; "unknown" elsewhere. */
    private static String peakResidentMemory() {
        try {
            return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmHWM:")).map(line -> line.substring(6).trim()).findFirst()
                    .orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private JsonObject testCase(String name) {
        for (JsonElement element : golden.getAsJsonArray("cases")) {
            if (element.getAsJsonObject().get("name").getAsString().equals(name)) {
                return element.getAsJsonObject();
            }
        }
        throw new AssertionError("no case " + name + " in golden.json");
    }

    private static float[] floats(JsonArray array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsFloat();
        }
        return values;
    }

    private static long[] longs(JsonArray array) {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsLong();
        }
        return values;
    }
}
