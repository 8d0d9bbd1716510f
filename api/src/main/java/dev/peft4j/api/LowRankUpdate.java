package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.Set;

/**
 * A capability of a {@link PromptSource}: trainable low-rank updates of chosen frozen linear
 * layers, as in LoRA (Hu et al., ICLR 2022). A targeted layer computes {@code W x + b + Δ(x)}
 * where {@code Δ(x) = s · B A x}; because {@code Δ} is linear it can be merged into the frozen
 * weight for inference ({@code W + s · B A}, {@link #computeWeightDelta}).
 *
 * @since 1.2
 */
public interface LowRankUpdate {

    /**
     * The linear layers this update changes, in every transformer layer.
     *
     * @since 1.2
     */
    Set<LinearTarget> getTargets();

    /**
     * The additive change of {@code target}'s output in transformer layer {@code layer} for
     * {@code input}; dropout, if any, applies to the input when {@code training}.
     *
     * @param parameterStore where parameter values are read from
     * @param layer          the transformer layer, from 0
     * @param target         one of {@link #getTargets()}
     * @param input          the layer's input, shape {@code (..., in)}
     * @param training       whether dropout and other training-only behaviour apply
     * @return shape {@code (..., out)}
     * @since 1.2
     */
    NDArray computeDelta(ParameterStore parameterStore, int layer, LinearTarget target, NDArray input,
            boolean training);

    /**
     * The change of {@code target}'s weight in transformer layer {@code layer}, {@code s · B A},
     * in DJL's and PyTorch's {@code (out, in)} layout: adding it to the frozen weight gives the
     * same outputs as {@link #computeDelta} without dropout.
     *
     * @param parameterStore where parameter values are read from
     * @param layer          the transformer layer, from 0
     * @param target         one of {@link #getTargets()}
     * @return shape {@code (out, in)}
     * @since 1.2
     */
    NDArray computeWeightDelta(ParameterStore parameterStore, int layer, LinearTarget target);
}
