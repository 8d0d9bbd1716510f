/** The {@code peft4j} command line (picocli). */
@NullMarked
package dev.peft4j.harness.cli;

import org.jspecify.annotations.NullMarked;
