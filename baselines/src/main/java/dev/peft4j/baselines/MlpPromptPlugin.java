package dev.peft4j.baselines;

import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.nn.BottleneckMlp;

/**
 * The ablation of Residual Prompt Tuning without the skip connection (Razdaibiedina et al. 2023,
 * section 5): {@code Φ(x) = LayerNorm(W_up · act(W_down · x + b_down) + b_up)}, one MLP shared by
 * all prompt tokens. The paper reports that it converges slower than plain prompt tuning.
 *
 * <p>Options: {@code bottleneck} (int ≥ 1, default 400), {@code activation} (relu, tanh, gelu,
 * sigmoid; default relu), {@code layer-norm} (default true), {@code dropout} (in [0, 1), default 0,
 * after the up-projection, training only).
 */
public final class MlpPromptPlugin extends AbstractReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "mlp-prompt";

    /** Creates the plugin; ServiceLoader calls this. */
    public MlpPromptPlugin() {
        super(ID, "MLP reparameterization without skip connection, the residual-prompt ablation "
                + "(Razdaibiedina et al. 2023)", new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR),
                BottleneckMlp.OPTIONS);
    }

    @Override
    protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
        return BottleneckMlp.fromOptions(shape, options).build();
    }
}
