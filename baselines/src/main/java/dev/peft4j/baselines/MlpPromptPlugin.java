package dev.peft4j.baselines;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.nn.BottleneckMlp;
import java.util.List;

/**
 * The ablation of Residual Prompt Tuning without the skip connection (Razdaibiedina et al. 2023,
 * section 5): {@code Φ(x) = LayerNorm(W_up · act(W_down · x + b_down) + b_up)}, one MLP shared by
 * all prompt tokens. The paper reports that it converges slower than plain prompt tuning.
 *
 * <p>Options: {@code bottleneck} (int ≥ 1, default 400), {@code activation} (relu, tanh, gelu,
 * sigmoid; default relu), {@code layer-norm} (default true), {@code dropout} (in [0, 1), default 0,
 * after the up-projection, training only).
 */
public final class MlpPromptPlugin implements ReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "mlp-prompt";

    /** Creates the plugin; ServiceLoader calls this. */
    public MlpPromptPlugin() {}

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public String getDescription() {
        return "MLP reparameterization without skip connection, the residual-prompt ablation "
                + "(Razdaibiedina et al. 2023)";
    }

    @Override
    public ApiVersion getApiVersion() {
        return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
    }

    @Override
    public List<OptionSpec> getOptions() {
        return BottleneckMlp.OPTIONS;
    }

    @Override
    public Reparameterizer create(PromptShape shape, Options options) {
        options.requireFor(getId());
        return BottleneckMlp.fromOptions(shape, options).build();
    }
}
