package dev.peft4j.api;

import java.util.List;

/**
 * Base class for a plugin whose id, description, API version and options are fixed: it holds
 * them, and its {@link #create(PromptShape, Options)} checks that the options were parsed for
 * this plugin before calling {@link #createReparameterizer}. A subclass needs only a public
 * no-argument constructor and that method:
 *
 * <pre>{@code
 * public final class MyPlugin extends AbstractReparameterizerPlugin {
 *     public MyPlugin() {
 *         super("my-method", "What it does, in one line", new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR),
 *                 List.of(OptionSpec.integer("width", 8, Range.atLeast(1), "...")));
 *     }
 *
 *     protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
 *         return new MyBlock(shape, options.getInt("width"));
 *     }
 * }
 * }</pre>
 *
 * @since 1.0
 */
public abstract class AbstractReparameterizerPlugin implements ReparameterizerPlugin {

    private final String id;
    private final String description;
    private final ApiVersion apiVersion;
    private final List<OptionSpec> options;

    /**
     * @param id          unique lower-case kebab id
     * @param description one line saying what the method is
     * @param apiVersion  pass {@code new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR)} from the
     *                    subclass, so the compiler records the version the plugin was built against
     *                    in the plugin's own class (a value computed here would be the running API's)
     * @param options     the declared options, in display order
     * @since 1.0
     */
    protected AbstractReparameterizerPlugin(String id, String description, ApiVersion apiVersion,
            List<OptionSpec> options) {
        this.id = id;
        this.description = description;
        this.apiVersion = apiVersion;
        this.options = List.copyOf(options);
    }

    @Override
    public final String getId() {
        return id;
    }

    @Override
    public final String getDescription() {
        return description;
    }

    @Override
    public final ApiVersion getApiVersion() {
        return apiVersion;
    }

    @Override
    public final List<OptionSpec> getOptions() {
        return options;
    }

    /**
     * Creates Φ after checking that {@code options} belong to this plugin.
     *
     * @throws InvalidOptionException when {@code options} were parsed for another plugin
     */
    @Override
    public final Reparameterizer create(PromptShape shape, Options options) {
        options.requireFor(id);
        return createReparameterizer(shape, options);
    }

    /**
     * Creates Φ for prompts of {@code shape} from options already checked to be this plugin's.
     *
     * @since 1.0
     */
    protected abstract Reparameterizer createReparameterizer(PromptShape shape, Options options);
}
