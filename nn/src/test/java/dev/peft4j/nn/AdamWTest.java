package dev.peft4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Gradient clipping over the optimizer's parameters. */
class AdamWTest {

    @Test
    void clipsTheGradientOfASingleParameter() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Parameter p = Parameter.builder().setName("prompt").setType(Parameter.Type.WEIGHT).build();
            p.setArray(manager.create(new float[] {1f, 1f}));
            p.getArray().setRequiresGradient(true);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                collector.backward(p.getArray().mul(manager.create(new float[] {3f, 4f})).sum());
            }
            AdamW optimizer = new AdamW(manager, List.of(new AdamW.Group("prompt", Map.of("prompt", p), 0.1f)),
                    0.9f, 0.999f, 1e-8f, 0f);

            NDArray norm = optimizer.clipGradients(1f);

            assertThat(norm.getFloat()).isEqualTo(5f);
            assertThat(p.getArray().getGradient().toFloatArray()).containsExactly(new float[] {0.6f, 0.8f},
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }
}
