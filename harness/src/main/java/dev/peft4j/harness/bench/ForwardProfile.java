package dev.peft4j.harness.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Where a forward pass goes: each operation of one BERT layer timed alone at the step's shapes
 * (the same NDArray operations {@code BertLayer} issues), times its count per layer and the
 * number of layers. The sum is compared with the measured forward; the rest is the operations
 * not listed (embeddings, reshapes, the head) and dispatch overhead.
 */
final class ForwardProfile {

    /** One operation: calls per layer, median seconds per call, seconds per forward, FLOPs per call. */
    record Row(String operation, int perLayer, Stats secondsPerCall, double secondsPerForward, double flopsPerCall,
            double gflopsPerSecond) {}

    private ForwardProfile() {}

    static List<Row> measure(NDManager parent, int batch, int positions, int width, int feedForward, int heads,
            int layers, int repeats) {
        List<Row> rows = new ArrayList<>();
        long b = batch;
        long t = positions;
        int headSize = width / heads;
        try (NDManager m = parent.newSubManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(b, t, width), DataType.FLOAT32);
            NDArray h = m.randomUniform(-1f, 1f, new Shape(b, t, feedForward), DataType.FLOAT32);
            NDArray wdd = m.randomUniform(-0.1f, 0.1f, new Shape(width, width), DataType.FLOAT32);
            NDArray wdf = m.randomUniform(-0.1f, 0.1f, new Shape(width, feedForward), DataType.FLOAT32);
            NDArray wfd = m.randomUniform(-0.1f, 0.1f, new Shape(feedForward, width), DataType.FLOAT32);
            NDArray bias = m.zeros(new Shape(width));
            NDArray q = m.randomUniform(-1f, 1f, new Shape(b, heads, t, headSize), DataType.FLOAT32);
            NDArray k = m.randomUniform(-1f, 1f, new Shape(b, heads, t, headSize), DataType.FLOAT32);
            NDArray scores = m.randomUniform(-1f, 1f, new Shape(b, heads, t, t), DataType.FLOAT32);
            NDArray gamma = m.ones(new Shape(width));
            NDArray ctx = m.randomUniform(-1f, 1f, new Shape(b, heads, t, headSize), DataType.FLOAT32);
            NDArray wqkv = m.randomUniform(-0.1f, 0.1f, new Shape(3L * width, width), DataType.FLOAT32);
            NDArray bqkv = m.zeros(new Shape(3L * width));
            NDArray divisor = m.full(new Shape(), (float) Math.sqrt(headSize), DataType.FLOAT32, m.getDevice());
            double mm = 2.0 * b * t;
            rows.add(row("linear d→3d (fused Q, K, V)", 1, layers, mm * width * 3 * width, repeats,
                    () -> x.getNDArrayInternal().linear(x, wqkv, bqkv).head()));
            rows.add(row("linear d→d (attention output)", 1, layers, mm * width * width, repeats,
                    () -> x.matMul(wdd).add(bias)));
            rows.add(row("linear d→d_ff (up)", 1, layers, mm * width * feedForward, repeats, () -> x.matMul(wdf)));
            rows.add(row("linear d_ff→d (down)", 1, layers, mm * feedForward * width, repeats, () -> h.matMul(wfd)));
            rows.add(row("scale Q by 1/√d_h (on (B, T, d), not on the scores)", 1, layers, 0, repeats,
                    () -> x.div(divisor)));
            rows.add(row("scores q·kᵀ (no mask: the batch has no padding)", 1, layers, 2.0 * b * t * t * width,
                    repeats, () -> q.matMul(k.transpose(0, 1, 3, 2))));
            rows.add(row("softmax over keys", 1, layers, 0, repeats, () -> scores.softmax(-1)));
            rows.add(row("context probs·v", 1, layers, 2.0 * b * t * t * width, repeats, () -> scores.matMul(ctx)));
            rows.add(row("merge heads (transpose + reshape)", 1, layers, 0, repeats,
                    () -> ctx.transpose(0, 2, 1, 3).reshape(b, t, width)));
            rows.add(row("GELU (erf) on d_ff", 1, layers, 0, repeats, () -> Activation.gelu(h)));
            rows.add(row("residual add", 2, layers, 0, repeats, () -> x.add(x)));
            rows.add(row("LayerNorm", 2, layers, 0, repeats,
                    () -> x.getNDArrayInternal().layerNorm(x, new Shape(width), gamma, bias, 1e-12f).head()));
        }
        return rows;
    }

    private static Row row(String name, int perLayer, int layers, double flops, int repeats, Supplier<NDArray> op) {
        op.get().close();
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            NDArray result = op.get();
            seconds.add((System.nanoTime() - start) / 1e9);
            result.close();
        }
        Stats stats = Stats.of(seconds);
        return new Row(name, perLayer, stats, stats.median() * perLayer * layers, flops,
                flops > 0 ? flops / stats.median() / 1e9 : 0);
    }
}
