package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** BertEncoder (no prompt) against ONNX Runtime running the original MiniLM graph. */
@Tag("real-data")
class OnnxParityTest {

    @Test
    void lastHiddenStateMatchesOnnxRuntimeOnRealSentences() throws Exception {
        Backbone backbone = SharedMiniLm.get();
        List<TestData.Rte> examples = TestData.rte("val", 6);
        // pairs exercise both segments; one single-text row would not, so mix in padding via lengths
        EncodedBatch batch = backbone.getTokenizer().encodePairs(
                examples.stream().map(TestData.Rte::premise).toList(),
                examples.stream().map(TestData.Rte::hypothesis).toList(), 128);
        assertThat(batch.length()).isGreaterThan(batch.tokenCount(batch.batchSize() - 1)); // some row is padded

        float[][][] expected = runOnnx("all-minilm-l6-v2.onnx", batch);
        float[] actual;
        try (NDManager step = backbone.getManager().newSubManager()) {
            NDList inputs = batch.toNDList(step);
            NDArray hidden = backbone.getEncoder().forward(new ParameterStore(step, false), inputs, false).head();
            assertThat(hidden.getShape().getShape()).containsExactly(batch.batchSize(), batch.length(), 384);
            actual = hidden.toFloatArray();
        }
        double maxDiff = maxDifferenceOnTokens(batch, actual, expected, 384);
        System.out.printf("ONNX parity (all-minilm-l6-v2): max |difference| %.3g over %d x %d tokens%n",
                maxDiff, batch.batchSize(), batch.length());
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
    }

    /** The largest absolute difference over non-padding positions (padded rows are not compared). */
    static double maxDifferenceOnTokens(EncodedBatch batch, float[] actual, float[][][] expected, int width) {
        long[] mask = batch.attentionMask();
        double maxDiff = 0;
        int compared = 0;
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                if (mask[b * batch.length() + t] == 0) {
                    continue;
                }
                for (int k = 0; k < width; k++) {
                    float ours = actual[(b * batch.length() + t) * width + k];
                    maxDiff = Math.max(maxDiff, Math.abs(ours - expected[b][t][k]));
                    compared++;
                }
            }
        }
        assertThat(compared).as("values compared").isGreaterThan(width);
        return maxDiff;
    }

    /** Runs the original ONNX graph {@code resource} with ONNX Runtime; returns last_hidden_state. */
    static float[][][] runOnnx(String resource, EncodedBatch batch) throws Exception {
        byte[] model;
        try (InputStream in = OnnxParityTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource + " on the class path").isNotNull();
            model = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options)) {
                assertThat(session.getInputNames()).containsExactlyInAnyOrder("input_ids", "attention_mask", "token_type_ids");
                assertThat(session.getOutputNames()).containsExactly("last_hidden_state");
                try (OnnxTensor ids = tensor(env, batch.tokenIds(), batch);
                        OnnxTensor mask = tensor(env, batch.attentionMask(), batch);
                        OnnxTensor types = tensor(env, batch.tokenTypeIds(), batch);
                        OrtSession.Result result = session.run(
                                Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
                    return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
                }
            }
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, long[] flat, EncodedBatch batch) throws Exception {
        long[][] rows = new long[batch.batchSize()][batch.length()];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(flat, b * batch.length(), rows[b], 0, batch.length());
        }
        return OnnxTensor.createTensor(env, rows);
    }
}
