package dev.peft4j.server;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The service's counters and histograms, written in Prometheus' text exposition format (version
 * 0.0.4). Written here rather than with the Prometheus Java client: five series need no tracer
 * initializer, OpenTelemetry shims and configuration loader, which the client's 1.x core brings.
 * Every label value is one of a fixed set (endpoints, status codes, error codes), so nothing a
 * client sends can grow the series.
 */
@Singleton
final class ServerMetrics {

    /** Latency buckets, in seconds: 1 ms to 10 s. */
    private static final double[] LATENCY_BOUNDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Rows per predictor call: powers of two up to 256. */
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final ConcurrentMap<List<String>, LongAdder> requests = new ConcurrentHashMap<>();
    private final ConcurrentMap<List<String>, LongAdder> errors = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Histogram batchRows = new Histogram(BATCH_BOUNDS);
    private final Histogram batchRequests = new Histogram(BATCH_BOUNDS);
    private final LongAdder rejected = new LongAdder();

    @Inject
    ServerMetrics() {}

    /** One answered request: its endpoint, status and time. */
    void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(List.of(endpoint, Integer.toString(status)), k -> new LongAdder()).increment();
        latency.computeIfAbsent(endpoint, k -> new Histogram(LATENCY_BOUNDS)).observe(seconds);
    }

    /** One request answered with an error: its endpoint and error code (e.g. {@code unknown_task}). */
    void error(String endpoint, String code) {
        errors.computeIfAbsent(List.of(endpoint, code), k -> new LongAdder()).increment();
    }

    /** One predictor call of {@code rows} rows gathered from {@code requestCount} requests. */
    void batch(int rows, int requestCount) {
        batchRows.observe(rows);
        batchRequests.observe(requestCount);
    }

    /** One request turned away because the queue was full. */
    void rejected() {
        rejected.increment();
    }

    /** The metrics in Prometheus' text format. */
    String scrape() {
        StringBuilder out = new StringBuilder(4096);
        header(out, "peft4j_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
        map(requests).forEach((labels, count) -> out.append("peft4j_http_requests_total{endpoint=\"")
                .append(labels.get(0)).append("\",status=\"").append(labels.get(1)).append("\"} ").append(count)
                .append('\n'));
        header(out, "peft4j_http_errors_total", "counter", "HTTP requests answered with an error, by endpoint and "
                + "error code.");
        map(errors).forEach((labels, count) -> out.append("peft4j_http_errors_total{endpoint=\"")
                .append(labels.get(0)).append("\",code=\"").append(labels.get(1)).append("\"} ").append(count)
                .append('\n'));
        header(out, "peft4j_http_request_duration_seconds", "histogram", "Time from a request's arrival to its "
                + "answer, by endpoint.");
        new TreeMap<>(latency).forEach((endpoint, histogram) ->
                histogram.write(out, "peft4j_http_request_duration_seconds", "endpoint=\"" + endpoint + "\","));
        header(out, "peft4j_batch_rows", "histogram", "Rows per call of the predictor (one micro-batch).");
        batchRows.write(out, "peft4j_batch_rows", "");
        header(out, "peft4j_batch_requests", "histogram", "Requests coalesced into one micro-batch.");
        batchRequests.write(out, "peft4j_batch_requests", "");
        header(out, "peft4j_rejected_total", "counter", "Requests turned away with 503 because the queue was full.");
        out.append("peft4j_rejected_total ").append(rejected.sum()).append('\n');
        return out.toString();
    }

    private static Map<List<String>, Long> map(Map<List<String>, LongAdder> counters) {
        Map<List<String>, Long> copy = new TreeMap<>((a, b) -> String.join("\u0000", a).compareTo(String.join("\u0000", b)));
        counters.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String number(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%s", value);
    }

    /** A classic Prometheus histogram: fixed upper bounds, counted per bucket, written cumulatively. */
    private static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts; // one per bound, then +Inf
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(value);
        }

        void write(StringBuilder out, String name, String labels) {
            long cumulative = 0;
            for (int i = 0; i <= bounds.length; i++) {
                cumulative += counts[i].sum();
                String le = i < bounds.length ? number(bounds[i]) : "+Inf";
                out.append(name).append("_bucket{").append(labels).append("le=\"").append(le).append("\"} ")
                        .append(cumulative).append('\n');
            }
            String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
            out.append(name).append("_sum").append(plain).append(' ').append(number(sum.sum())).append('\n');
            out.append(name).append("_count").append(plain).append(' ').append(cumulative).append('\n');
        }
    }
}
