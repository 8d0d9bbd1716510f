package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The known 12-layer backbones, from their test-scope artifacts, checked against ONNX Runtime
 * (real weights: tagged real-data).
 */
@Tag("real-data")
class TwelveLayerBackbonesTest {

    @ParameterizedTest
    @ValueSource(strings = {"bge-small-en-v1.5", "e5-small-v2"})
    void loadsByNameAndMatchesOnnxRuntime(String name) throws Exception {
        try (Backbone backbone = Backbones.load(name, Device.cpu())) {
            assertThat(backbone.getEncoder().getConfig())
                    .isEqualTo(new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12f));
            EncodedBatch batch = backbone.getTokenizer().encode(
                    List.of("Residual prompt tuning reparameterizes soft prompts.", "A short one."), 32);
            float[] actual;
            try (NDManager step = backbone.getManager().newSubManager()) {
                actual = backbone.getEncoder().forward(new ParameterStore(step, false), batch.toNDList(step), false)
                        .head().toFloatArray();
            }
            float[][][] expected = OnnxParityTest.runOnnx(name + ".onnx", batch);
            double maxDiff = OnnxParityTest.maxDifferenceOnTokens(batch, actual, expected, 384);
            System.out.printf("ONNX parity (%s): max |difference| %.3g%n", name, maxDiff);
            assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
        }
    }
}
