package dev.peft4j.plugins;

import org.jspecify.annotations.Nullable;

/**
 * A plugin that could not be loaded or was refused, so that a command line can show why a
 * method is missing. The registry goes on without it.
 *
 * @param source  where the plugin came from: {@code "class path"}, a jar path, a class loader
 * @param message what was wrong and what to do
 * @param cause   the underlying error, if any
 */
public record PluginProblem(String source, String message, @Nullable Throwable cause) {}
