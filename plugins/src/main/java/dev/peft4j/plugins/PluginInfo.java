package dev.peft4j.plugins;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import java.util.List;

/**
 * What a command line or a log shows about one loaded plugin.
 *
 * @param id          the plugin's unique lower-case kebab id
 * @param description one line saying what the method is
 * @param apiVersion  the API version the plugin was built for
 * @param options     the options it declares, in display order
 * @param className   the plugin's class name
 * @param source      where it came from: {@code "class path"}, a jar path, a class loader, or
 *                    {@code "added explicitly"}
 */
public record PluginInfo(
        String id,
        String description,
        ApiVersion apiVersion,
        List<OptionSpec> options,
        String className,
        String source) {

    /** Copies the option list. */
    public PluginInfo {
        options = List.copyOf(options);
    }
}
