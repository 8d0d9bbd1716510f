package dev.peft4j.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW's update against PyTorch's rule computed in double precision, and gradient clipping. */
class AdamWTest {

    /** Sets the gradient of {@code p} to {@code gradient} (the gradient of {@code sum(p * gradient)}). */
    private static void backward(NDManager manager, Parameter p, float[] gradient) {
        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            collector.backward(p.getArray().mul(manager.create(gradient)).sum());
        }
    }

    private static Parameter parameter(NDManager manager, String name, float[] values) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(manager.create(values));
        p.getArray().setRequiresGradient(true);
        return p;
    }

    @Test
    void followsPyTorchsAdamWRuleWithAGroupsOwnLearningRate() {
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float epsilon = 1e-8f;
        float weightDecay = 0.1f;
        float[] lrs = {0.3f, 0.01f};
        double[][] weights = {{0.5, -1.0, 2.0}, {0.25, 0.75, -0.5}};
        float[][][] gradients = { // step, parameter, value
            {{0.1f, -0.2f, 0.3f}, {1.0f, -1.0f, 0.5f}},
            {{-0.4f, 0.0f, 0.2f}, {0.3f, 0.3f, -0.3f}},
            {{0.05f, 0.5f, -0.1f}, {-2.0f, 0.1f, 0.0f}}};
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Parameter prompt = parameter(manager, "prompt", toFloats(weights[0]));
            Parameter head = parameter(manager, "head", toFloats(weights[1]));
            AdamW optimizer = new AdamW(manager, List.of(new AdamW.Group("prompt", Map.of("prompt", prompt), lrs[0]),
                    new AdamW.Group("head", Map.of("head", head), lrs[1])), beta1, beta2, epsilon, weightDecay);
            Parameter[] parameters = {prompt, head};
            double[][] m = new double[2][3];
            double[][] v = new double[2][3];
            for (int t = 1; t <= gradients.length; t++) {
                for (int k = 0; k < 2; k++) {
                    backward(manager, parameters[k], gradients[t - 1][k]);
                    // torch.optim.AdamW: decay, moments, bias corrections, step
                    for (int i = 0; i < 3; i++) {
                        double g = gradients[t - 1][k][i];
                        weights[k][i] *= 1 - lrs[k] * weightDecay;
                        m[k][i] = beta1 * m[k][i] + (1 - beta1) * g;
                        v[k][i] = beta2 * v[k][i] + (1 - beta2) * g * g;
                        double denominator = Math.sqrt(v[k][i]) / Math.sqrt(1 - Math.pow(beta2, t)) + epsilon;
                        weights[k][i] -= lrs[k] / (1 - Math.pow(beta1, t)) * m[k][i] / denominator;
                    }
                }
                optimizer.update();
                for (int k = 0; k < 2; k++) {
                    assertThat(parameters[k].getArray().toFloatArray()).as("step %d, %s", t, parameters[k].getName())
                            .containsExactly(toFloats(weights[k]), org.assertj.core.data.Offset.offset(1e-5f));
                    assertThat(parameters[k].getArray().getGradient().toFloatArray()).as("zeroed (or -0)")
                            .containsExactly(new float[3], org.assertj.core.data.Offset.offset(0f));
                }
            }
            assertThat(optimizer.getStep()).isEqualTo(3);
        }
    }

    @Test
    void clipsTheGlobalNormOfAllParametersTogether() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            Parameter prompt = parameter(manager, "prompt", new float[] {1f, 1f});
            Parameter head = parameter(manager, "head", new float[] {1f});
            backward(manager, prompt, new float[] {3f, 4f});
            backward(manager, head, new float[] {12f});
            AdamW optimizer = new AdamW(manager, List.of(new AdamW.Group("prompt", Map.of("prompt", prompt), 0.1f),
                    new AdamW.Group("head", Map.of("head", head), 0.01f)), 0.9f, 0.999f, 1e-8f, 0f);

            assertThat(optimizer.clipGradients(2.6f).getFloat()).isEqualTo(13f);
            // scaled by 2.6 / 13 = 0.2 as torch.nn.utils.clip_grad_norm_ does (up to its 1e-6)
            assertThat(prompt.getArray().getGradient().toFloatArray()).containsExactly(new float[] {0.6f, 0.8f},
                    org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(head.getArray().getGradient().toFloatArray()).containsExactly(new float[] {2.4f},
                    org.assertj.core.data.Offset.offset(1e-5f));
            // under the limit nothing changes
            assertThat(optimizer.clipGradients(100f).getFloat()).isCloseTo(2.6f, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(head.getArray().getGradient().toFloatArray()).containsExactly(new float[] {2.4f},
                    org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

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
