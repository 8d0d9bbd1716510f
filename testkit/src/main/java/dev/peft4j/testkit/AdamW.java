package dev.peft4j.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (decoupled weight decay, PyTorch's update rule) whose moments and step count can be
 * saved and restored exactly. DJL's own {@code Adam} keeps its moments in private fields, so a
 * trainer that must resume bit for bit owns its moments like this.
 */
final class AdamW {

    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, NDArray> means = new LinkedHashMap<>();
    private final Map<String, NDArray> variances = new LinkedHashMap<>();
    private long step;

    AdamW(float learningRate, float weightDecay) {
        this.learningRate = learningRate;
        this.beta1 = 0.9f;
        this.beta2 = 0.999f;
        this.epsilon = 1e-8f;
        this.weightDecay = weightDecay;
    }

    /** Updates every parameter that has a gradient in place, then zeroes the gradients. */
    void step(PairList<String, Parameter> parameters) {
        step++;
        float correction1 = (float) (1 - Math.pow(beta1, step));
        float correction2 = (float) (1 - Math.pow(beta2, step));
        for (Pair<String, Parameter> entry : parameters) {
            Parameter parameter = entry.getValue();
            if (!parameter.requiresGradient()) {
                continue;
            }
            NDArray weight = parameter.getArray();
            NDManager owner = weight.getManager();
            NDArray mean = means.computeIfAbsent(entry.getKey(), k -> moment(owner, weight));
            NDArray variance = variances.computeIfAbsent(entry.getKey(), k -> moment(owner, weight));
            // Temporaries die with the scope; the in-place updates keep the arrays blocks hold.
            try (NDScope scope = new NDScope()) {
                NDArray gradient = weight.getGradient();
                mean.muli(beta1).addi(gradient.mul(1 - beta1));
                variance.muli(beta2).addi(gradient.square().mul(1 - beta2));
                NDArray update = mean.div(correction1)
                        .div(variance.div(correction2).sqrt().add(epsilon))
                        .mul(learningRate);
                weight.muli(1 - learningRate * weightDecay).subi(update);
                gradient.muli(0);
            }
        }
    }

    private static NDArray moment(NDManager owner, NDArray weight) {
        NDArray zeros = owner.zeros(weight.getShape(), weight.getDataType());
        // Moments live as long as the optimizer, not as long as a caller's step scope.
        NDScope.unregister(zeros);
        return zeros;
    }

    /** The moments and step count as safetensors bytes. */
    byte[] save(NDManager manager) {
        NDList list = new NDList();
        NDArray stepArray = manager.create(new long[] {step});
        stepArray.setName("step");
        list.add(stepArray);
        for (var entry : means.entrySet()) {
            NDArray copy = entry.getValue().duplicate();
            copy.setName("m." + entry.getKey());
            list.add(copy);
        }
        for (var entry : variances.entrySet()) {
            NDArray copy = entry.getValue().duplicate();
            copy.setName("v." + entry.getKey());
            list.add(copy);
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            list.encode(out, NDList.Encoding.SAFETENSORS);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            list.close();
        }
    }

    /** Restores moments and step count written by {@link #save} onto {@code manager}. */
    void load(NDManager manager, byte[] bytes) {
        means.clear();
        variances.clear();
        for (NDArray array : NDList.decode(manager, bytes)) {
            String name = array.getName();
            if (name == null) {
                throw new IllegalStateException("Optimizer state holds an unnamed array");
            } else if (name.equals("step")) {
                step = array.toLongArray()[0];
            } else if (name.startsWith("m.")) {
                means.put(name.substring(2), array);
            } else if (name.startsWith("v.")) {
                variances.put(name.substring(2), array);
            } else {
                throw new IllegalStateException("Unexpected array '" + name + "' in optimizer state");
            }
        }
    }
}
