package dev.peft4j.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Random;

/**
 * Reads and overwrites the values of parameter arrays in tests, e.g. to give a reparameterizer
 * fixed weights before comparing it with a reference computed by hand.
 */
public final class ParameterValues {

    private ParameterValues() {}

    /**
     * Overwrites {@code target} in place with {@code values} (row-major), keeping its identity,
     * data type and gradient flag, so a block that owns the array sees the new values. Call it
     * outside a gradient collector.
     *
     * @throws IllegalArgumentException when the number of values differs from the array's size
     */
    public static void overwrite(NDArray target, double[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException("Array of shape " + target.getShape() + " holds " + target.size()
                    + " values, got " + values.length);
        }
        try (NDArray fresh = target.getManager().create(values, target.getShape())) {
            try (NDArray typed = fresh.toType(target.getDataType(), true)) {
                // In-place arithmetic keeps the array (and autograd leaf) the block holds.
                target.muli(0).addi(typed);
            }
        }
    }

    /** Overwrites {@code target} in place with {@code values}; see {@link #overwrite(NDArray, double[])}. */
    public static void overwrite(NDArray target, float[] values) {
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        overwrite(target, wide);
    }

    /** The array's values as doubles, row-major, whatever its floating-point type. */
    public static double[] read(NDArray array) {
        if (array.getDataType() == DataType.FLOAT64) {
            return array.toDoubleArray();
        }
        try (NDArray wide = array.toType(DataType.FLOAT64, true)) {
            return wide.toDoubleArray();
        }
    }

    /**
     * {@code count} values drawn uniformly from {@code [-bound, bound)} by a seeded
     * {@link Random}, the same on every platform and engine.
     */
    public static double[] uniform(long seed, int count, double bound) {
        Random random = new Random(seed);
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = (random.nextDouble() * 2 - 1) * bound;
        }
        return values;
    }

    /** Values of {@link #uniform} rounded to float32, so float32 and double computations start equal. */
    public static float[] uniformFloats(long seed, int count, double bound) {
        double[] wide = uniform(seed, count, bound);
        float[] narrow = new float[count];
        for (int i = 0; i < count; i++) {
            narrow[i] = (float) wide[i];
        }
        return narrow;
    }
}
