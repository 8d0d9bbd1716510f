package dev.peft4j.harness.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Summary of repeated timings in seconds: best, median and the 10th and 90th percentiles.
 *
 * @param samples how many timings
 * @param best    the fastest
 * @param median  the median
 * @param p10     10th percentile
 * @param p90     90th percentile
 */
record Stats(int samples, double best, double median, double p10, double p90) {

    static Stats of(List<Double> seconds) {
        double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return new Stats(0, 0, 0, 0, 0);
        }
        return new Stats(sorted.length, sorted[0], quantile(sorted, 0.5), quantile(sorted, 0.1),
                quantile(sorted, 0.9));
    }

    static Stats ofNanos(long[] nanos) {
        return of(Arrays.stream(nanos).mapToObj(n -> n / 1e9).toList());
    }

    private static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int low = (int) Math.floor(position);
        int high = (int) Math.ceil(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
