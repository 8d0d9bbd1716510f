package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The second known backbone, from its test-scope artifact: 12 layers, checked against ONNX Runtime. */
class BgeSmallTest {

    @Test
    void bgeLoadsByNameAndMatchesOnnxRuntime() throws Exception {
        try (Backbone backbone = Backbones.load("bge-small-en-v1.5", Device.cpu())) {
            assertThat(backbone.getEncoder().getConfig())
                    .isEqualTo(new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12f));
            EncodedBatch batch = backbone.getTokenizer().encode(
                    List.of("Residual prompt tuning reparameterizes soft prompts.", "A short one."), 32);
            float[] actual;
            try (NDManager step = backbone.getManager().newSubManager()) {
                actual = backbone.getEncoder().forward(new ParameterStore(step, false), batch.toNDList(step), false)
                        .head().toFloatArray();
            }
            float[][][] expected = OnnxParityTest.runOnnx("bge-small-en-v1.5.onnx", batch);
            double maxDiff = OnnxParityTest.maxDifferenceOnTokens(batch, actual, expected, 384);
            System.out.printf("ONNX parity (bge-small-en-v1.5): max |difference| %.3g%n", maxDiff);
            assertThat(maxDiff).isLessThanOrEqualTo(1e-4);
        }
    }
}
