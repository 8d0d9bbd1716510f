/**
 * Evaluation independent of any model: a {@link dev.peft4j.harness.eval.Scorer} maps examples to scores, the {@link dev.peft4j.harness.eval.Evaluator} turns scores into predictions and metrics.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.eval;

import org.jspecify.annotations.NullMarked;
