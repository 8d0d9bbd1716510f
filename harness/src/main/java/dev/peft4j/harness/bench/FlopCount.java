package dev.peft4j.harness.bench;

/**
 * Floating-point operations of one training step of a prompt-tuned BERT classifier with a frozen
 * encoder, counting matrix products only (2 per multiply-add); embeddings, LayerNorm, softmax,
 * GELU and the optimizer are O(B·T·d) and left out. See docs/BENCHMARKS.md for the derivation.
 *
 * <p>Per layer, with {@code B} sequences of {@code T} positions (prompt included), width
 * {@code d}, feed-forward width {@code f}: forward linear {@code 2·B·T·(4d² + 2d·f)}, forward
 * attention {@code 2·2·B·T²·d} (scores and context). Backward with frozen weights computes
 * activation gradients only: one product per linear ({@code dX = dY·Wᵀ}, as many FLOPs as the
 * forward) and two per attention product ({@code dQ, dK} and {@code dP, dV}), so backward =
 * linear forward + 2 × attention forward. The head ({@code d → C} on {@code [CLS]}) trains: its
 * backward is twice its forward. Φ trains: backward is twice its forward.
 *
 * @param encoderForward  encoder forward FLOPs
 * @param encoderBackward encoder backward FLOPs (activation gradients only)
 * @param phiForward      Φ forward FLOPs
 * @param phiBackward     Φ backward FLOPs (weight and input gradients)
 * @param headForward     head forward FLOPs
 * @param headBackward    head backward FLOPs (weight and input gradients)
 */
public record FlopCount(
        double encoderForward,
        double encoderBackward,
        double phiForward,
        double phiBackward,
        double headForward,
        double headBackward) {

    /**
     * The count for a BERT encoder.
     *
     * @param batch            sequences {@code B}
     * @param positions        positions per sequence {@code T}, prompt included
     * @param layers           transformer layers
     * @param width            hidden size {@code d}
     * @param feedForward      intermediate size {@code f}
     * @param classes          head outputs {@code C}
     * @param phiForwardFlops  Φ's forward FLOPs (0 for the identity)
     */
    public static FlopCount of(long batch, long positions, int layers, int width, int feedForward, int classes,
            double phiForwardFlops) {
        double b = batch;
        double t = positions;
        double d = width;
        double linear = 2 * b * t * (4 * d * d + 2 * d * feedForward) * layers;
        double attention = 2 * 2 * b * t * t * d * layers;
        double head = 2 * b * d * classes;
        return new FlopCount(linear + attention, linear + 2 * attention, phiForwardFlops, 2 * phiForwardFlops,
                head, 2 * head);
    }

    /** Forward FLOPs of the whole step. */
    public double getForward() {
        return encoderForward + phiForward + headForward;
    }

    /** All FLOPs of the step: forward and backward. */
    public double getTotal() {
        return getForward() + encoderBackward + phiBackward + headBackward;
    }
}
