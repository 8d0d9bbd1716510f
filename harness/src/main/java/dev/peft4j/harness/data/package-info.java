/**
 * Finding a task's data files: an explicit folder, the {@code PEFT4J_DATA} environment variable, or a checksummed download cache under {@code ~/.peft4j/data}.
 *
 * <p>Everything here is non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.peft4j.harness.data;

import org.jspecify.annotations.NullMarked;
