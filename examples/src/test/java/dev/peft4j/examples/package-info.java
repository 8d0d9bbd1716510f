/** The README's examples, compiled and run as tests, with a tiny test plugin. */
@NullMarked
package dev.peft4j.examples;

import org.jspecify.annotations.NullMarked;
