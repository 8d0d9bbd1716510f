package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Set;

/**
 * A capability of a {@link PromptSource}: trainable low-rank updates of chosen frozen linear
 * layers, as in LoRA (Hu et al., ICLR 2022). A targeted layer computes {@code W x + b + Δ(x)}
 * with {@code Δ(x) = s · B A x}, {@code A} of shape {@code (r, in)}, {@code B} of shape
 * {@code (out, r)} and the scale {@code s} (LoRA's {@code alpha / r}). Because {@code Δ} is linear
 * it can be merged into the frozen weight for inference: {@code W + s · B A}
 * ({@link #computeWeightDelta}).
 *
 * <p>An implementation gives the targets, the scale and the factors; the defaults compute the
 * update from them. A method with dropout on the update's input overrides {@link #computeDelta}.
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
     * The scale {@code s} of {@code B A} (LoRA's {@code alpha / r}).
     *
     * @since 1.2
     */
    float getScale();

    /**
     * The dropout rate on the update's input during training. Exports record it (PEFT's
     * {@code lora_dropout}) so that training can go on elsewhere with the same setting; it does
     * not change what the update computes at inference.
     *
     * @return a rate in {@code [0, 1)}; 0, the default, for a method without dropout
     * @since 1.2
     */
    default float getDropout() {
        return 0f;
    }

    /**
     * The factors of {@code target}'s update in transformer layer {@code layer}.
     *
     * @param parameterStore where parameter values are read from
     * @param layer          the transformer layer, from 0
     * @param target         one of {@link #getTargets()}
     * @return {@code A} of shape {@code (r, in)} and {@code B} of shape {@code (out, r)}, in that order
     * @since 1.2
     */
    NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target);

    /**
     * The additive change of {@code target}'s output in transformer layer {@code layer} for
     * {@code input}: {@code s · (input A^T) B^T}. A method with dropout applies it to the input
     * here when {@code training}.
     *
     * @param parameterStore where parameter values are read from
     * @param layer          the transformer layer, from 0
     * @param target         one of {@link #getTargets()}
     * @param input          the layer's input, shape {@code (..., in)}
     * @param training       whether dropout and other training-only behaviour apply
     * @return shape {@code (..., out)}
     * @since 1.2
     */
    default NDArray computeDelta(ParameterStore parameterStore, int layer, LinearTarget target, NDArray input,
            boolean training) {
        NDList factors = computeFactors(parameterStore, layer, target);
        NDArray product = input.matMul(factors.get(0).transpose()).matMul(factors.get(1).transpose());
        return product.mul(scaleOf(product));
    }

    /**
     * The change of {@code target}'s weight in transformer layer {@code layer}, {@code s · B A},
     * in DJL's and PyTorch's {@code (out, in)} layout: adding it to the frozen weight gives the
     * outputs of {@link #computeDelta} without dropout.
     *
     * @param parameterStore where parameter values are read from
     * @param layer          the transformer layer, from 0
     * @param target         one of {@link #getTargets()}
     * @return shape {@code (out, in)}
     * @since 1.2
     */
    default NDArray computeWeightDelta(ParameterStore parameterStore, int layer, LinearTarget target) {
        NDList factors = computeFactors(parameterStore, layer, target);
        NDArray product = factors.get(1).matMul(factors.get(0));
        return product.mul(scaleOf(product));
    }

    /**
     * The scale as a tensor made by libtorch: {@code mul(Number)} would wrap it over a Java buffer
     * that DJL frees at once while autograd still holds it for the backward pass.
     */
    private NDArray scaleOf(NDArray like) {
        return like.getManager().full(new Shape(), getScale(), like.getDataType(), like.getDevice());
    }
}
