package dev.peft4j.api;

import java.util.List;
import java.util.Map;

/**
 * A prompt reparameterization method, discovered through {@link java.util.ServiceLoader}.
 *
 * <p>To add a method, implement this interface with a public no-argument constructor, list the
 * class in {@code META-INF/services/dev.peft4j.api.ReparameterizerPlugin} of your jar, and put
 * the jar on the class path or in a plugin folder. Run the plugin test kit
 * ({@code peft4j-testkit}) against it.
 *
 * <pre>{@code
 * public final class MyPlugin implements ReparameterizerPlugin {
 *     public String getId() { return "my-method"; }
 *     public String getDescription() { return "What it does, in one line"; }
 *     public ApiVersion getApiVersion() { return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR); }
 *     public List<OptionSpec> getOptions() { return List.of(OptionSpec.integer("width", 8, Range.atLeast(1), "...")); }
 *     public Reparameterizer create(PromptShape shape, Options options) { return new MyBlock(shape, options.getInt("width")); }
 * }
 * }</pre>
 *
 * <p>Or extend {@link AbstractReparameterizerPlugin}, which holds these fixed values and checks
 * that the options passed to {@code create} were parsed for the plugin.
 *
 * <p><b>Methods that own their parameters (API 1.1).</b> A method that is not "a trainable
 * {@code P} plus Φ" overrides {@link #createPrompt} instead of {@link #create(PromptShape, Options)}
 * and returns a {@link PromptSource}: it creates every parameter itself, reads backbone facts
 * (width, layers, heads, the word-embedding matrix) from the {@link PromptCreationContext}, and may
 * also update the text's input embeddings ({@link TextEmbeddingUpdate}). The framework
 * ({@link SoftPrompt#create}) refuses options parsed for another plugin before it calls the
 * plugin, so a plugin need not check them itself.
 *
 * <pre>{@code
 * public PromptSource createPrompt(PromptCreationContext context, Options options) {
 *     return new LowRankPrompt(context.getPromptShape(), options.getInt("rank"));
 * }
 * }</pre>
 *
 * @since 1.0
 */
public interface ReparameterizerPlugin {

    /**
     * Unique lower-case kebab id, e.g. {@code residual-prompt}; users select the method by it.
     *
     * @since 1.0
     */
    String getId();

    /**
     * One line saying what the method is, with its reference if any.
     *
     * @since 1.0
     */
    String getDescription();

    /**
     * The API version this plugin was compiled against. Return
     * {@code new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR)} so the compiler records the
     * numbers; the registry refuses a plugin of another major version.
     *
     * @since 1.0
     */
    ApiVersion getApiVersion();

    /**
     * The options the method takes, with defaults, ranges and help, in display order.
     *
     * @since 1.0
     */
    List<OptionSpec> getOptions();

    /**
     * Creates a fresh, uninitialized reparameterizer Φ for prompts of {@code shape}. A method
     * that owns its parameters ({@link #createPrompt}) has no Φ and keeps this default, which
     * refuses.
     *
     * @param shape   the prompt shape {@code (n, d)}
     * @param options values validated against {@link #getOptions()}
     * @throws InvalidOptionException when options belong to another plugin
     * @throws PluginException        when the method has no reparameterizer Φ
     * @since 1.0
     */
    default Reparameterizer create(PromptShape shape, Options options) {
        throw new PluginException("Method '" + getId() + "' creates its own prompt parameters and has no "
                + "reparameterizer; create it with SoftPrompt.create(plugin, options, context)");
    }

    /**
     * Creates the method's prompt for {@code context}: every parameter it trains, yielding
     * {@code P'} of {@code context.getPromptShape()}. The default serves 1.0 plugins: a trainable
     * {@code P} (started with the context's init and seed) followed by {@link #create(PromptShape,
     * Options) Φ}. Call it through {@link SoftPrompt#create}, which checks the options first.
     *
     * @param context the prompt shape and read-only facts of the frozen backbone
     * @param options values validated against {@link #getOptions()}, already checked to be this plugin's
     * @since 1.1
     */
    default PromptSource createPrompt(PromptCreationContext context, Options options) {
        SoftPrompt.Builder builder = SoftPrompt.builder()
                .setReparameterizer(create(context.getPromptShape(), options))
                .optInit(context.getInit())
                .optSeed(context.getSeed());
        PromptableEncoder encoder = context.getEncoder();
        if (encoder != null) {
            builder.optEncoder(encoder);
        }
        return builder.build();
    }

    /**
     * Creates Φ with every option at its default.
     *
     * @since 1.0
     */
    default Reparameterizer create(PromptShape shape) {
        return create(shape, Options.defaults(getId(), getOptions()));
    }

    /**
     * Validates raw option values (text or typed) against this plugin's declarations.
     *
     * @throws InvalidOptionException for unknown names and bad values
     * @since 1.0
     */
    default Options parseOptions(Map<String, ?> values) {
        return Options.parse(getId(), getOptions(), values);
    }
}
