/**
 * Run results as JSON and their summaries: mean and standard deviation over seeds as Markdown, CSV and JSON tables, and PNG plots.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.report;

import org.jspecify.annotations.NullMarked;
