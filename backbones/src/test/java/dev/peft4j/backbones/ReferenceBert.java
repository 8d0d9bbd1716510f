package dev.peft4j.backbones;

import ai.djl.nn.Parameter;
import dev.peft4j.api.LinearTarget;
import java.util.HashMap;
import java.util.Map;

/**
 * The BERT layer stack in plain float64 Java, read from an encoder's weights: embeddings with
 * positions shifted by the prefix length (as Hugging Face does with {@code past_key_values}), a
 * key/value prefix in front of every layer's keys and values, LoRA deltas {@code s · (x Aᵀ) Bᵀ} on
 * the targeted linear layers, padding keys masked. Written from the textbook formulas, one loop per
 * sum, so it shares no code with the encoder.
 */
final class ReferenceBert {

    private final BertConfig config;
    private final Map<String, double[]> weights = new HashMap<>();

    ReferenceBert(BertEncoder encoder) {
        this.config = encoder.getConfig();
        for (Map.Entry<String, Parameter> entry : encoder.parametersByHuggingFaceName().entrySet()) {
            weights.put(entry.getKey(), toDouble(entry.getValue().getArray().toFloatArray()));
        }
    }

    static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    /** LoRA factors of one layer and target: A {@code (r, in)} and B {@code (out, r)}, row-major. */
    record Factors(double[] a, double[] b, int rank) {}

    /**
     * @param embeddings word embeddings {@code (B, T, d)}, row-major
     * @param mask       1 attended, 0 padding, {@code (B, T)}
     * @param types      segment ids {@code (B, T)}
     * @param prefix     {@code (L, 2, m, d)} row-major, or {@code null}
     * @param lora       per {@code layer + "/" + target}, or empty
     * @return the last hidden state {@code (B, T, d)}
     */
    double[] encode(double[] embeddings, long[] mask, long[] types, int batch, int length, double[] prefix, int m,
            Map<String, Factors> lora, double scale) {
        int d = config.hiddenSize();
        double[] x = new double[batch * length * d];
        double[] wordless = new double[d];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                int row = b * length + t;
                for (int c = 0; c < d; c++) {
                    wordless[c] = embeddings[row * d + c] + weights.get("embeddings.position_embeddings.weight")[(m + t) * d + c]
                            + weights.get("embeddings.token_type_embeddings.weight")[(int) types[row] * d + c];
                }
                norm(wordless, "embeddings.LayerNorm", x, row * d);
            }
        }
        for (int l = 0; l < config.numLayers(); l++) {
            x = layer(l, x, mask, batch, length, prefix, m, lora, scale);
        }
        return x;
    }

    private double[] layer(int l, double[] x, long[] mask, int batch, int length, double[] prefix, int m,
            Map<String, Factors> lora, double scale) {
        String p = "encoder.layer." + l + ".";
        int d = config.hiddenSize();
        int heads = config.numHeads();
        int dh = d / heads;
        int rows = batch * length;
        double[] q = linear(l, LinearTarget.QUERY, p + "attention.self.query", x, rows, d, d, lora, scale);
        double[] k = linear(l, LinearTarget.KEY, p + "attention.self.key", x, rows, d, d, lora, scale);
        double[] v = linear(l, LinearTarget.VALUE, p + "attention.self.value", x, rows, d, d, lora, scale);
        double[] context = new double[rows * d];
        int keys = m + length;
        double[] scores = new double[keys];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < keys; j++) {
                        boolean masked = j >= m && mask[b * length + j - m] == 0;
                        double s = 0;
                        for (int c = 0; c < dh; c++) {
                            s += q[(b * length + i) * d + h * dh + c] * key(k, prefix, l, b, j, m, length, h * dh + c, 0);
                        }
                        scores[j] = masked ? Double.NEGATIVE_INFINITY : s / Math.sqrt(dh);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < keys; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < keys; j++) {
                            acc += scores[j] / sum * key(v, prefix, l, b, j, m, length, h * dh + c, 1);
                        }
                        context[(b * length + i) * d + h * dh + c] = acc;
                    }
                }
            }
        }
        double[] attended = add(linear(l, LinearTarget.ATTENTION_OUTPUT, p + "attention.output.dense", context, rows, d,
                d, lora, scale), x);
        attended = normRows(attended, p + "attention.output.LayerNorm", rows);
        int inner = config.intermediateSize();
        double[] hidden = linear(l, LinearTarget.INTERMEDIATE, p + "intermediate.dense", attended, rows, d, inner, lora,
                scale);
        for (int i = 0; i < hidden.length; i++) {
            hidden[i] = 0.5 * hidden[i] * (1 + erf(hidden[i] / Math.sqrt(2)));
        }
        double[] out = add(linear(l, LinearTarget.OUTPUT, p + "output.dense", hidden, rows, inner, d, lora, scale),
                attended);
        return normRows(out, p + "output.LayerNorm", rows);
    }

    /** Key (or value) {@code j} of the extended sequence: prefix rows first, then the batch row's own. */
    private double key(double[] own, double[] prefix, int l, int b, int j, int m, int length, int c, int kv) {
        int d = config.hiddenSize();
        return j < m ? prefix[((l * 2 + kv) * m + j) * d + c] : own[(b * length + j - m) * d + c];
    }

    private double[] linear(int l, LinearTarget target, String name, double[] x, int rows, int in, int out,
            Map<String, Factors> lora, double scale) {
        double[] w = weights.get(name + ".weight");
        double[] bias = weights.get(name + ".bias");
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double acc = bias[o];
                for (int i = 0; i < in; i++) {
                    acc += w[o * in + i] * x[r * in + i];
                }
                y[r * out + o] = acc;
            }
        }
        Factors f = lora.get(l + "/" + target.id());
        if (f != null) {
            for (int r = 0; r < rows; r++) {
                double[] ax = new double[f.rank()];
                for (int k = 0; k < f.rank(); k++) {
                    for (int i = 0; i < in; i++) {
                        ax[k] += f.a()[k * in + i] * x[r * in + i];
                    }
                }
                for (int o = 0; o < out; o++) {
                    double acc = 0;
                    for (int k = 0; k < f.rank(); k++) {
                        acc += f.b()[o * f.rank() + k] * ax[k];
                    }
                    y[r * out + o] += scale * acc;
                }
            }
        }
        return y;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private double[] normRows(double[] x, String name, int rows) {
        int d = config.hiddenSize();
        double[] out = new double[x.length];
        double[] row = new double[d];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(x, r * d, row, 0, d);
            norm(row, name, out, r * d);
        }
        return out;
    }

    private void norm(double[] row, String name, double[] out, int offset) {
        int d = row.length;
        double mean = 0;
        for (double value : row) {
            mean += value / d;
        }
        double variance = 0;
        for (double value : row) {
            variance += (value - mean) * (value - mean) / d;
        }
        double[] gamma = weights.get(name + ".weight");
        double[] beta = weights.get(name + ".bias");
        for (int c = 0; c < d; c++) {
            out[offset + c] = (row[c] - mean) / Math.sqrt(variance + config.layerNormEps()) * gamma[c] + beta[c];
        }
    }

    /** erf(z) = 2/√π · e^{-z²} · Σ 2ⁿ z^{2n+1} / (1·3·…·(2n+1)): all terms positive, no cancellation. */
    static double erf(double z) {
        double a = Math.abs(z);
        if (a > 6) {
            return Math.signum(z);
        }
        double term = a;
        double sum = a;
        for (int n = 1; n < 400 && term > 1e-17 * sum; n++) {
            term *= 2 * a * a / (2 * n + 1);
            sum += term;
        }
        return Math.signum(z) * 2 / Math.sqrt(Math.PI) * Math.exp(-a * a) * sum;
    }
}
