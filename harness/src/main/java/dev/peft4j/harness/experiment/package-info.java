/**
 * Experiment grids: methods by tasks by seeds by prompt lengths by learning rates by method options, expanded into runs with stable ids, sharded, and skipped once finished.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.experiment;

import org.jspecify.annotations.NullMarked;
