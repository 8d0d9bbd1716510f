/** Tests of plugin discovery, with test plugins registered in the test resources. */
@NullMarked
package dev.peft4j.plugins;

import org.jspecify.annotations.NullMarked;
