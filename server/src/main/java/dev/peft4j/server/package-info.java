/**
 * An HTTP prediction service for many prompt-tuned tasks on one frozen backbone:
 * {@link dev.peft4j.server.PredictionServer} answers a JSON API ({@code POST /v1/predict},
 * {@code GET /v1/tasks}, {@code /health}, {@code /metrics} in Prometheus' text format) on Jetty,
 * coalescing concurrent requests into micro-batches for one
 * {@link dev.peft4j.inference.MultiTaskPredictor}. {@link dev.peft4j.server.ServerModule} and
 * {@link dev.peft4j.server.TasksModule} assemble it with Guice; {@link dev.peft4j.server.LoadTest}
 * measures it over loopback.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.server;

import org.jspecify.annotations.NullMarked;
