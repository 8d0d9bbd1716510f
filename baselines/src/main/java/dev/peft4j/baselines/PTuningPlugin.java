package dev.peft4j.baselines;

import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Range;
import dev.peft4j.api.Reparameterizer;
import java.util.List;

/**
 * P-tuning's prompt encoder (Liu et al., "GPT Understands, Too", 2021) exactly as Hugging Face
 * PEFT's {@code PromptEncoder} defines it ({@code peft/tuners/p_tuning/model.py}); {@code P} plays
 * the part of PEFT's {@code embedding} table. With {@code h} the hidden size:
 *
 * <ul>
 *   <li>{@code encoder=mlp} (PEFT's recommended default): {@code Linear(d, h) → ReLU → Linear(h, h)
 *       → ReLU → Linear(h, d)}, always three layers (PEFT ignores {@code encoder_num_layers}
 *       here, and so is {@code lstm-layers} ignored);
 *   <li>{@code encoder=lstm}: a bidirectional LSTM with input {@code d}, hidden size {@code h} per
 *       direction (output {@code 2h}), {@code lstm-layers} layers and {@code lstm-dropout}
 *       between layers, over the prompt tokens as one sequence, then {@code Linear(2h, 2h) → ReLU
 *       → Linear(2h, d)}.
 * </ul>
 *
 * <p>All weights start as PyTorch's defaults: {@code U(-1/sqrt(fan_in), 1/sqrt(fan_in))} for linear
 * layers, {@code U(-1/sqrt(h), 1/sqrt(h))} for every LSTM weight and bias.
 *
 * <p>Options: {@code encoder} (mlp or lstm, default mlp), {@code hidden-size} (int ≥ 0, default 0
 * meaning {@code d}, PEFT's {@code encoder_hidden_size}), {@code lstm-layers} (int ≥ 1, default 2,
 * PEFT's {@code encoder_num_layers}), {@code lstm-dropout} (in [0, 1), default 0, PEFT's
 * {@code encoder_dropout}).
 */
public final class PTuningPlugin extends AbstractReparameterizerPlugin {

    /** The plugin id. */
    public static final String ID = "p-tuning";

    /** Creates the plugin; ServiceLoader calls this. */
    public PTuningPlugin() {
        super(ID, "P-tuning prompt encoder, MLP or bidirectional LSTM, as in Hugging Face PEFT (Liu et al. 2021)",
                new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR), List.of(
                        OptionSpec.choice("encoder", "mlp", List.of("mlp", "lstm"),
                                "Prompt encoder: a 3-layer MLP or a bidirectional LSTM followed by a 2-layer MLP"),
                        OptionSpec.integer("hidden-size", 0, Range.atLeast(0),
                                "Hidden size h of the encoder (per LSTM direction); 0 means the prompt width d"),
                        OptionSpec.integer("lstm-layers", 2, Range.atLeast(1),
                                "Number of stacked LSTM layers (lstm encoder only)"),
                        OptionSpec.decimal("lstm-dropout", 0.0, Range.closedOpen(0, 1),
                                "Dropout between LSTM layers during training (lstm encoder only)")));
    }

    @Override
    protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
        int hidden = options.getInt("hidden-size") == 0 ? shape.width() : options.getInt("hidden-size");
        return options.getString("encoder").equals("lstm")
                ? new LstmPromptEncoder(shape, hidden, options.getInt("lstm-layers"),
                        (float) options.getDouble("lstm-dropout"))
                : new MlpPromptEncoder(shape, hidden);
    }
}
