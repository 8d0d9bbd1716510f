/**
 * Declarative benchmark tasks (SuperGLUE and the user's own classification data): how raw records become {@link dev.peft4j.harness.task.Example}s, which splits and files a task has, and which metrics judge it.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.task;

import org.jspecify.annotations.NullMarked;
