package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import java.util.List;

/**
 * Decomposed Prompt Tuning, DPT (Xiao et al., "Decomposed Prompt Tuning via Low-Rank
 * Reparameterization", Findings of EMNLP 2023): the prompt is a low-rank product
 * {@code P' = U·V} with {@code U} {@code (n × r)} and {@code V} {@code (r × d)}, and only the two
 * factors train ({@code r·(n + d)} values); there is no {@code n × d} prompt parameter. The
 * authors' reproduction command uses 100 prompt tokens and rank ({@code --bottle_neck}) 10.
 *
 * <p>Options: {@code rank} (int ≥ 1, default 10). Both factors start uniform in
 * {@code [-b, b)} with {@code b = sqrt(3)·(12 r)^(-1/4)}, so each entry of {@code P'} starts with
 * variance 1/12, that of prompt tuning's uniform(-0.5, 0.5) init (this implementation's choice;
 * the run's prompt init does not apply). {@code P'} exports as a plain PEFT prompt-tuning adapter.
 */
public final class DptPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "dpt";

    /** Creates the plugin; ServiceLoader calls this. */
    public DptPlugin() {
        super(ID, "Decomposed prompt tuning: P' = U·V, low-rank factors only (Xiao et al. 2023)",
                List.of(OptionSpec.integer("rank", 10, Range.atLeast(1), "Rank r of P' = U (n×r) · V (r×d)")));
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        return new LowRankPrompt(context.getPromptShape(), options.getInt("rank"));
    }

    /** {@code P' = U·V}. */
    static final class LowRankPrompt extends AbstractPromptSource {
        private final Parameter u;
        private final Parameter v;

        LowRankPrompt(PromptShape shape, int rank) {
            super((byte) 1, shape);
            float bound = (float) (Math.sqrt(3) * Math.pow(12.0 * rank, -0.25));
            u = addParameter(weight("u", new Shape(shape.length(), rank), new UniformInitializer(bound)));
            v = addParameter(weight("v", new Shape(rank, shape.width()), new UniformInitializer(bound)));
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            return value(parameterStore, u, training).matMul(value(parameterStore, v, training));
        }
    }
}
