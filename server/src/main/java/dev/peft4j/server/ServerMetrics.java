package dev.peft4j.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The service's counters and histograms, kept by the official Prometheus Java client and written in
 * its text exposition format. The registry is this object's own, not the client's global default,
 * so two services in one JVM (tests, a host embedding several) keep separate counts. Every label
 * value is one of a fixed set (endpoints, status codes, error codes), so nothing a client sends can
 * grow the series.
 */
@Singleton
final class ServerMetrics {

    /** Latency buckets, in seconds: 1 ms to 10 s. */
    private static final double[] LATENCY_BOUNDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Rows per predictor call: powers of two up to 256. */
    private static final double[] BATCH_BOUNDS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    // Without exemplars: with no tracer there is nothing to attach, and sampling costs on every call.
    private final Counter requests = Counter.builder().name("peft4j_http_requests_total")
            .help("HTTP requests answered, by endpoint and status.")
            .labelNames("endpoint", "status").withoutExemplars().register(registry);
    private final Counter errors = Counter.builder().name("peft4j_http_errors_total")
            .help("HTTP requests answered with an error, by endpoint and error code.")
            .labelNames("endpoint", "code").withoutExemplars().register(registry);
    private final Histogram latency = Histogram.builder().name("peft4j_http_request_duration_seconds")
            .help("Time from a request's arrival to its answer, by endpoint.")
            .labelNames("endpoint").classicOnly().classicUpperBounds(LATENCY_BOUNDS).withoutExemplars()
            .register(registry);
    private final Histogram batchRows = Histogram.builder().name("peft4j_batch_rows")
            .help("Rows per call of the predictor (one micro-batch).")
            .classicOnly().classicUpperBounds(BATCH_BOUNDS).withoutExemplars().register(registry);
    private final Histogram batchRequests = Histogram.builder().name("peft4j_batch_requests")
            .help("Requests coalesced into one micro-batch.")
            .classicOnly().classicUpperBounds(BATCH_BOUNDS).withoutExemplars().register(registry);
    private final Counter rejected = Counter.builder().name("peft4j_rejected_total")
            .help("Requests turned away with 503 because the queue was full.")
            .withoutExemplars().register(registry);

    @Inject
    ServerMetrics() {}

    /** One answered request: its endpoint, status and time. */
    void request(String endpoint, int status, double seconds) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        latency.labelValues(endpoint).observe(seconds);
    }

    /** One request answered with an error: its endpoint and error code (e.g. {@code unknown_task}). */
    void error(String endpoint, String code) {
        errors.labelValues(endpoint, code).inc();
    }

    /** One predictor call of {@code rows} rows gathered from {@code requestCount} requests. */
    void batch(int rows, int requestCount) {
        batchRows.observe(rows);
        batchRequests.observe(requestCount);
    }

    /** One request turned away because the queue was full. */
    void rejected() {
        rejected.inc();
    }

    /** The content type of {@link #scrape()}: Prometheus' text format 0.0.4. */
    String contentType() {
        return writer.getContentType();
    }

    /** The metrics in Prometheus' text format. */
    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException("Writing the metrics to memory failed", e); // no real I/O here
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
