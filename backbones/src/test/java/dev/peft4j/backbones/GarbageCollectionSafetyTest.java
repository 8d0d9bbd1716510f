package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DJL turns a Number operand ({@code x.div(4f)}) into a tensor over a Java direct buffer and
 * closes it at once; autograd keeps that tensor for the backward pass, which reads freed memory
 * after a garbage collection (seen here: the gradient of {@code x.div(4f)} came out as Infinity).
 * The encoder avoids such operands; these tests check the workaround and the encoder.
 */
class GarbageCollectionSafetyTest {

    /** Collect garbage and reuse direct memory between forward and backward, as a long run would. */
    static void churnDirectMemory() throws InterruptedException {
        System.gc();
        Thread.sleep(20);
        List<ByteBuffer> junk = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(16);
            b.putInt(0, 0x7fc00000);
            junk.add(b);
        }
        assertThat(junk).hasSize(2000);
    }

    @Test
    void dividingByALibtorchScalarKeepsTheGradientExact() throws Exception {
        // the pattern BertLayer uses instead of x.div(4f), whose gradient came out as Infinity here
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = manager.ones(new Shape(4));
            x.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray divisor = manager.full(new Shape(), 4f, x.getDataType(), x.getDevice());
                NDArray y = x.div(divisor);
                divisor.close();
                churnDirectMemory();
                collector.backward(y.sum());
            }
            assertThat(x.getGradient().toFloatArray()).containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
        }
    }

    @Test
    void promptGradientThroughTheEncoderSurvivesGarbageCollection() throws Exception {
        Backbone backbone = SharedMiniLm.get();
        EncodedBatch batch = backbone.getTokenizer().encodePairs(
                List.of("A man is playing a guitar on stage.", "Short."), List.of("Someone plays music.", "Yes."), 32);
        float[] reference = promptGradient(backbone, batch, false);
        float[] churned = promptGradient(backbone, batch, true);
        double total = 0;
        for (float v : reference) {
            assertThat(v).isFinite();
            total += Math.abs(v);
        }
        assertThat(total).isPositive();
        assertThat(churned).containsExactly(reference);
    }

    private static float[] promptGradient(Backbone backbone, EncodedBatch batch, boolean churn) throws Exception {
        BertEncoder encoder = backbone.getEncoder();
        try (NDManager step = backbone.getManager().newSubManager()) {
            float[] values = new float[3 * encoder.getHiddenSize()];
            java.util.Random random = new java.util.Random(3);
            for (int i = 0; i < values.length; i++) {
                values[i] = random.nextFloat() - 0.5f;
            }
            NDArray prompt = step.create(values, new Shape(3, encoder.getHiddenSize()));
            prompt.setRequiresGradient(true);
            ParameterStore ps = new ParameterStore(step, false);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                var inputs = batch.toNDList(step);
                var injected = dev.peft4j.api.PromptInjection.inject(
                        prompt, encoder.embedTokens(ps, inputs.get(0)), inputs.get(1), inputs.get(2), 1);
                NDArray hidden = encoder.encode(ps, injected.get(0), injected.get(1), injected.get(2), true);
                if (churn) {
                    churnDirectMemory();
                }
                collector.backward(hidden.get(":, 0, :").sum());
            }
            return prompt.getGradient().toFloatArray();
        }
    }
}
