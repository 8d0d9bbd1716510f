package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The values of a prompt the model sees, {@code P'}, detached from any network or engine: what
 * {@link SoftPrompt#export()} produces and what prompt files hold. Row-major float32,
 * {@code shape.length()} rows of {@code shape.width()} values.
 *
 * @param shape  the prompt shape
 * @param values {@code shape.size()} values, row-major; copied, never shared
 * @since 1.0
 */
public record PromptEmbeddings(PromptShape shape, float[] values) {

    /**
     * Validates the size and copies the values.
     *
     * @since 1.0
     */
    public PromptEmbeddings {
        if (values.length != shape.size()) {
            throw new ShapeMismatchException("A prompt of shape " + shape + " needs " + shape.size()
                    + " values, got " + values.length);
        }
        values = values.clone();
    }

    /**
     * Copies a float32 {@code (n, d)} array to the host.
     *
     * @since 1.0
     */
    public static PromptEmbeddings fromNDArray(NDArray array) {
        var s = array.getShape();
        if (s.dimension() != 2) {
            throw new ShapeMismatchException("A prompt array must have shape (n, d), got " + s);
        }
        NDArray f32 = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
        return new PromptEmbeddings(new PromptShape((int) s.get(0), (int) s.get(1)), f32.toFloatArray());
    }

    /**
     * The values as a float32 array of shape {@code (n, d)} on {@code manager}'s device.
     *
     * @since 1.0
     */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(values, shape.toShape());
    }

    /** A copy of the values. */
    @Override
    public float[] values() {
        return values.clone();
    }

    /**
     * The value at row {@code token}, column {@code dimension}.
     *
     * @since 1.0
     */
    public float get(int token, int dimension) {
        return values[token * shape.width() + dimension];
    }

    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PromptEmbeddings p && p.shape.equals(shape) && Arrays.equals(p.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * shape.hashCode() + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "PromptEmbeddings" + shape;
    }
}
