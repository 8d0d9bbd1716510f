/**
 * Training: a soft prompt and head on a frozen backbone with AdamW, evaluation every epoch,
 * best-on-validation selection, atomic checkpoints for exact resume, and export.
 */
@NullMarked
package dev.peft4j.harness.train;

import org.jspecify.annotations.NullMarked;
