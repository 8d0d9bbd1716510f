package dev.peft4j.testkit;

/**
 * Double-precision reference maths for plugin tests, written as plain loops so that a
 * reparameterizer's float32 forward pass can be checked against an independent computation:
 * linear layers, PyTorch's activations (GELU in its exact erf form) and LayerNorm.
 *
 * <p>Read a block's weights with {@link ParameterValues#read}, compute the expected output here,
 * and compare with a tolerance of about {@code 1e-5}.
 */
public final class ReferenceMath {

    /** PyTorch's {@code nn.LayerNorm} default epsilon. */
    public static final double LAYER_NORM_EPSILON = 1e-5;

    private ReferenceMath() {}

    /** {@code W x + b} for a row-major {@code weight (out, in)}, {@code bias (out)} and {@code x (in)}. */
    public static double[] linear(double[] weight, double[] bias, double[] x, int out) {
        return linear(weight, 0, bias, 0, x, out);
    }

    /**
     * {@code W x + b} with {@code W (out, in)} starting at {@code weightOffset} in {@code weight}
     * and {@code b (out)} at {@code biasOffset} in {@code bias}, e.g. one token's slice of
     * per-token weights {@code (n, out, in)}.
     */
    public static double[] linear(double[] weight, int weightOffset, double[] bias, int biasOffset, double[] x,
            int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double sum = bias[biasOffset + o];
            for (int i = 0; i < x.length; i++) {
                sum += weight[weightOffset + o * x.length + i] * x[i];
            }
            y[o] = sum;
        }
        return y;
    }

    /**
     * LayerNorm over all of {@code x} with biased variance and {@link #LAYER_NORM_EPSILON}, then
     * {@code gamma * x̂ + beta}, reading {@code gamma} and {@code beta} from {@code offset}.
     */
    public static double[] layerNorm(double[] x, double[] gamma, double[] beta, int offset) {
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        double variance = 0;
        for (double v : x) {
            variance += (v - mean) * (v - mean) / x.length;
        }
        double[] y = new double[x.length];
        for (int k = 0; k < x.length; k++) {
            y[k] = (x[k] - mean) / Math.sqrt(variance + LAYER_NORM_EPSILON) * gamma[offset + k] + beta[offset + k];
        }
        return y;
    }

    /** {@link #layerNorm(double[], double[], double[], int)} with {@code gamma} and {@code beta} from index 0. */
    public static double[] layerNorm(double[] x, double[] gamma, double[] beta) {
        return layerNorm(x, gamma, beta, 0);
    }

    /**
     * One of PyTorch's activations by the name peft4j's options use: relu, tanh, sigmoid, gelu
     * (exact: {@code 0.5 z (1 + erf(z / sqrt 2))}).
     *
     * @throws IllegalArgumentException for another name
     */
    public static double activation(String name, double z) {
        return switch (name) {
            case "relu" -> Math.max(0, z);
            case "tanh" -> Math.tanh(z);
            case "sigmoid" -> sigmoid(z);
            case "gelu" -> 0.5 * z * (1 + erf(z / Math.sqrt(2)));
            default -> throw new IllegalArgumentException("Unknown activation '" + name
                    + "'; use relu, tanh, sigmoid or gelu");
        };
    }

    /** {@link #activation(String, double)} applied to every value, into a new array. */
    public static double[] activation(String name, double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = activation(name, x[i]);
        }
        return y;
    }

    /** {@code 1 / (1 + exp(-z))}. */
    public static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * The error function: its Taylor series below 4 and its asymptotic expansion above, with an
     * absolute error below {@code 1e-11} (switching at 3, as earlier copies did, left {@code 1e-8}
     * just above the switch).
     */
    public static double erf(double z) {
        double a = Math.abs(z);
        double result;
        if (a < 4) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            result = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double z2 = a * a;
            double series = 1 - 1 / (2 * z2) + 3 / (4 * z2 * z2) - 15 / (8 * z2 * z2 * z2)
                    + 105 / (16 * z2 * z2 * z2 * z2);
            result = 1 - Math.exp(-z2) / (a * Math.sqrt(Math.PI)) * series;
        }
        return Math.signum(z) * result;
    }

    /** Row {@code row} of a row-major {@code (rows, width)} float array, widened to doubles. */
    public static double[] row(float[] values, int row, int width) {
        double[] out = new double[width];
        for (int k = 0; k < width; k++) {
            out[k] = values[row * width + k];
        }
        return out;
    }
}
