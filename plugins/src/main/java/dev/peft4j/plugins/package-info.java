/**
 * Finds reparameterizer plugins and offers them by id: {@link dev.peft4j.plugins.PluginRegistry}
 * loads {@link dev.peft4j.api.ReparameterizerPlugin}s with {@link java.util.ServiceLoader} from
 * the class path, given class loaders and plugin folders of jars, refuses plugins with bad ids or
 * another API version, and reports every plugin that could not be loaded instead of failing.
 *
 * <p>Guice support lives in {@link dev.peft4j.plugins.guice}; this package works without Guice.
 */
@NullMarked
package dev.peft4j.plugins;

import org.jspecify.annotations.NullMarked;
