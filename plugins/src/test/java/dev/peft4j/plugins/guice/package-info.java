/** Tests of the Guice module. */
@NullMarked
package dev.peft4j.plugins.guice;

import org.jspecify.annotations.NullMarked;
