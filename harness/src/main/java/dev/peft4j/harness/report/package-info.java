/**
 * Run results as JSON and their reports: mean and standard deviation over seeds of the best and
 * of the last epoch as Markdown, CSV and JSON tables, a table of every run, per-epoch curves, and
 * PNG and SVG plots.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.report;

import org.jspecify.annotations.NullMarked;
