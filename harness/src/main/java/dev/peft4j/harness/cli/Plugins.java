package dev.peft4j.harness.cli;

import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;

/** The command line's plugin registry: the class path, plus the jars in {@code PEFT4J_PLUGIN_DIR}. */
final class Plugins {

    /** The environment variable naming a folder of plugin jars. */
    static final String PLUGIN_DIR_VARIABLE = "PEFT4J_PLUGIN_DIR";

    private Plugins() {}

    static PluginRegistry registry() {
        PluginRegistry.Builder builder = PluginRegistry.builder().addClassPath();
        String folder = System.getenv(PLUGIN_DIR_VARIABLE);
        if (folder != null && !folder.isBlank()) {
            builder.addPluginFolder(Path.of(folder));
        }
        return builder.build();
    }
}
