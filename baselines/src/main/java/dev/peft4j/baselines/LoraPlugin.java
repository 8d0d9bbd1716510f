package dev.peft4j.baselines;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LoRA (Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", ICLR 2022), as Hugging
 * Face PEFT computes it: chosen frozen linear layers of every transformer layer compute
 * {@code W x + b + (alpha / r) · B A dropout(x)} with trainable {@code A (r, in)} and
 * {@code B (out, r)}; nothing is inserted at the input, and the run's prompt length is ignored.
 * {@code A} starts as PEFT's kaiming-uniform with {@code a = sqrt(5)}, i.e.
 * {@code U(-1/sqrt(in), 1/sqrt(in))} drawn from the run's seed, and {@code B} at zero, so training
 * starts from the frozen model. Trainable values: {@code L · Σ_targets r·(in + out)}.
 *
 * <p>Options (PEFT's defaults): {@code rank} ({@code r}, int ≥ 1, default 8), {@code alpha}
 * (number above 0, default 8), {@code dropout} (in [0, 1), default 0, on the update's input during
 * training only), {@code targets} (linear layers by id, separated by commas or {@code +}, default
 * {@code query,value}, PEFT's default for BERT; ids: query, key, value, attention.output,
 * intermediate, output).
 */
public final class LoraPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "lora";

    /** Creates the plugin; ServiceLoader calls this. */
    public LoraPlugin() {
        super(ID, "LoRA: trainable low-rank updates (alpha/r)·BA of the frozen linear layers in every "
                + "transformer layer (Hu et al. 2022)",
                List.of(OptionSpec.integer("rank", 8, Range.atLeast(1), "Rank r of each update B (out×r) · A (r×in)"),
                        OptionSpec.decimal("alpha", 8.0, Range.greaterThan(0), "LoRA's alpha; the update is scaled by alpha / r"),
                        OptionSpec.decimal("dropout", 0.0, Range.closedOpen(0, 1),
                                "Dropout rate on each update's input, during training only"),
                        OptionSpec.text("targets", "query,value", "Linear layers to update, separated by commas "
                                + "or '+': query, key, value, attention.output, intermediate, output")));
    }

    /** Also checks the target list, so a bad layer name fails when the options are read. */
    @Override
    public Options parseOptions(Map<String, ?> values) {
        Options options = Options.parse(getId(), getOptions(), values);
        targets(options);
        return options;
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        return new LoraPrompt(context, options.getInt("rank"), options.getDouble("alpha"),
                options.getDouble("dropout"), targets(options));
    }

    /** The targets of option {@code targets}. */
    static Set<LinearTarget> targets(Options options) {
        String text = options.getString("targets");
        Set<LinearTarget> targets = EnumSet.noneOf(LinearTarget.class);
        for (String id : text.split("[,+]")) {
            if (id.isBlank()) {
                continue;
            }
            LinearTarget target;
            try {
                target = LinearTarget.fromId(id);
            } catch (InvalidOptionException e) {
                throw new InvalidOptionException("Option 'targets' of plugin '" + ID + "': " + e.getMessage());
            }
            if (!targets.add(target)) {
                throw new InvalidOptionException("Option 'targets' of plugin '" + ID + "': '" + target.id()
                        + "' is listed twice in '" + text + "'; list each linear layer once");
            }
        }
        if (targets.isEmpty()) {
            throw new InvalidOptionException("Option 'targets' of plugin '" + ID + "': no linear layer given in '"
                    + text + "'; list at least one, e.g. targets=query,value");
        }
        return targets;
    }
}
