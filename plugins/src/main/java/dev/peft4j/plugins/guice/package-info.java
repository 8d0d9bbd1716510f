/**
 * Guice support: {@link dev.peft4j.plugins.guice.PeftModule} binds a
 * {@link dev.peft4j.plugins.PluginRegistry} and every plugin in it by id. Only hosts that install
 * the module need Guice on their class path.
 */
@NullMarked
package dev.peft4j.plugins.guice;

import org.jspecify.annotations.NullMarked;
