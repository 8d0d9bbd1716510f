package dev.peft4j.residual;

import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.nn.BottleneckMlp;
import java.util.stream.Stream;

/**
 * Residual Prompt Tuning (Razdaibiedina et al., ACL Findings 2023): each prompt vector passes
 * through a bottleneck MLP with LayerNorm and a skip connection after the LayerNorm,
 *
 * <pre>    Φ(x) = LayerNorm(W_up · act(W_down · x + b_down) + b_up) + x</pre>
 *
 * <p>with {@code W_down: d → m} and {@code W_up: m → d}. After training, Φ is discarded: export
 * {@code P' = Φ(P)} with {@link dev.peft4j.api.SoftPrompt#export()}, so inference costs what plain
 * prompt tuning costs.
 *
 * <p>Options:
 *
 * <ul>
 *   <li>{@code bottleneck} (int ≥ 1, default 400): {@code m}, the paper's parameter counts use 400;
 *   <li>{@code activation} (relu, tanh, gelu, sigmoid; default relu); GELU is the exact erf form;
 *   <li>{@code layer-norm} (default true): LayerNorm over {@code d} with PyTorch's eps 1e-5;
 *   <li>{@code dropout} (in [0, 1), default 0): after the up-projection, during training only;
 *   <li>{@code separate} (default false): one MLP per prompt token instead of one shared MLP;
 *   <li>{@code residual} (default true): false drops the skip connection (the paper's ablation).
 * </ul>
 *
 * <p>Weights and biases start as PyTorch's {@code nn.Linear} defaults,
 * {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))}; LayerNorm starts at gamma 1, beta 0. Trainable values
 * besides {@code P}: {@code 2dm + m + 3d} for the shared MLP with LayerNorm, {@code n} times that
 * with {@code separate}.
 */
public final class ResidualPromptPlugin extends AbstractReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "residual-prompt";

    /** Creates the plugin; ServiceLoader calls this. */
    public ResidualPromptPlugin() {
        super(ID, "Residual Prompt Tuning: P' = LayerNorm(MLP(P)) + P (Razdaibiedina et al. 2023)",
                new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR),
                Stream.concat(BottleneckMlp.OPTIONS.stream(), Stream.of(
                        OptionSpec.flag("separate", false, "One MLP per prompt token instead of one MLP shared by all"),
                        OptionSpec.flag("residual", true,
                                "Add the skip connection after the LayerNorm; false is the ablation"))).toList());
    }

    @Override
    protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
        return BottleneckMlp.fromOptions(shape, options)
                .optSeparate(options.getBoolean("separate"))
                .optResidual(options.getBoolean("residual"))
                .build();
    }
}
