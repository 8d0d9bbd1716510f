/**
 * Metrics split into per-example results ({@link dev.peft4j.harness.metric.Prediction}) and their aggregation ({@link dev.peft4j.harness.metric.Metric}), in the style of lm-evaluation-harness.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.metric;

import org.jspecify.annotations.NullMarked;
