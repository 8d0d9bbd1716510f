package dev.peft4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import dev.peft4j.api.PromptFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter; PyTorch's update rule) with decoupled weight decay and parameter
 * groups of their own learning rate, as the paper trains the prompt with Φ and the task head at
 * different rates. Written here rather than taken from DJL because DJL's Adam has one learning
 * rate for all parameters and keeps its moments private, so training could not be resumed bit
 * for bit: {@link #state()} and {@link #restore} save and restore the moments exactly.
 */
public final class AdamW {

    /**
     * Parameters sharing one learning rate.
     *
     * @param name         the group's name, for messages
     * @param parameters   the parameters by a name unique across all groups, which names their moments
     * @param learningRate the step size of this group
     */
    public record Group(String name, Map<String, Parameter> parameters, float learningRate) {}

    private final List<Group> groups;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long step;

    /**
     * An optimizer for the initialized parameters of {@code groups}, with zero moments on
     * {@code manager} (create it outside any step scope: the moments live as long as the optimizer).
     */
    public AdamW(NDManager manager, List<Group> groups, float beta1, float beta2, float epsilon, float weightDecay) {
        this.groups = List.copyOf(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        for (Group group : groups) {
            for (var entry : group.parameters().entrySet()) {
                NDArray weight = entry.getValue().getArray();
                firstMoments.put(entry.getKey(), manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()));
                secondMoments.put(entry.getKey(), manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()));
            }
        }
    }

    /** The number of updates taken so far. */
    public long getStep() {
        return step;
    }

    /**
     * Scales all gradients so that their global L2 norm is at most {@code maxNorm}.
     *
     * @return the norm before clipping, as a device scalar (read it only when needed)
     */
    public NDArray clipGradients(float maxNorm) {
        List<NDArray> squares = new ArrayList<>();
        for (Group group : groups) {
            for (Parameter p : group.parameters().values()) {
                squares.add(p.getArray().getGradient().square().sum());
            }
        }
        // NDArrays.add refuses a single array: a run whose only trainable parameter is P (a verbalizer head)
        NDArray norm = (squares.size() == 1 ? squares.get(0) : NDArrays.add(squares.toArray(NDArray[]::new))).sqrt();
        NDArray scale = norm.add(1e-6f).pow(-1f).mul(maxNorm).minimum(1f);
        for (Group group : groups) {
            for (Parameter p : group.parameters().values()) {
                p.getArray().getGradient().muli(scale);
            }
        }
        return norm;
    }

    /** One update of every parameter from its gradient, then the gradients are zeroed. */
    public void update() {
        step++;
        float correction1 = 1f - (float) Math.pow(beta1, step);
        float correction2 = 1f - (float) Math.pow(beta2, step);
        try (NDScope scope = new NDScope()) {
            for (Group group : groups) {
                float lr = group.learningRate();
                for (var entry : group.parameters().entrySet()) {
                    NDArray weight = entry.getValue().getArray();
                    NDArray gradient = weight.getGradient();
                    NDArray m = firstMoments.get(entry.getKey());
                    NDArray v = secondMoments.get(entry.getKey());
                    m.muli(beta1).addi(gradient.mul(1f - beta1));
                    v.muli(beta2).addi(gradient.square().muli(1f - beta2));
                    NDArray denominator = v.div(correction2).sqrt().addi(epsilon);
                    if (weightDecay != 0f) {
                        weight.muli(1f - lr * weightDecay);
                    }
                    weight.subi(m.div(denominator).muli(lr / correction1));
                    gradient.muli(0f);
                }
            }
        }
    }

    /**
     * The live moments, named {@code m/<parameter>} and {@code v/<parameter>}, for a checkpoint;
     * copy or encode them before the next {@link #update()}. Save {@link #getStep()} beside them.
     */
    public NDList state() {
        NDList list = new NDList();
        firstMoments.forEach((name, array) -> list.add(named(array, "m/" + name)));
        secondMoments.forEach((name, array) -> list.add(named(array, "v/" + name)));
        return list;
    }

    /**
     * Restores the moments written by {@link #state()} (other arrays in {@code state} are
     * ignored) and the step count.
     *
     * @throws PromptFormatException when a moment names no parameter of this optimizer or has another shape
     */
    public void restore(NDList state, long restoredStep) {
        for (NDArray array : state) {
            String name = array.getName();
            Map<String, NDArray> target = name.startsWith("m/") ? firstMoments
                    : name.startsWith("v/") ? secondMoments : null;
            if (target == null) {
                continue;
            }
            NDArray moment = target.get(name.substring(2));
            if (moment == null || !moment.getShape().equals(array.getShape())) {
                throw new PromptFormatException("Checkpoint optimizer state '" + name
                        + "' does not match this run's parameters; the checkpoint belongs to another configuration");
            }
            moment.set(array.toFloatArray());
        }
        this.step = restoredStep;
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
