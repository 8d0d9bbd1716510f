package dev.peft4j.examples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.UniformInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import dev.peft4j.api.ReparameterizerPlugin;
import java.util.List;

/** Decomposed prompt tuning (DPT) as an outside plugin: P' = U·V, and no n×d prompt parameter at all. */
public final class LowRankPromptPlugin implements ReparameterizerPlugin {
    public String getId() { return "low-rank-prompt"; }
    public String getDescription() { return "P' = U·V with U (n×r) and V (r×d) trained (Xiao et al. 2023)"; }
    public ApiVersion getApiVersion() { return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR); }
    public List<OptionSpec> getOptions() { return List.of(OptionSpec.integer("rank", 4, Range.atLeast(1), "Rank r")); }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        return new LowRank(context.getPromptShape(), options.getInt("rank"));
    }

    static final class LowRank extends AbstractPromptSource {
        private final Parameter u, v;

        LowRank(PromptShape shape, int rank) {
            super((byte) 1, shape);
            u = addParameter(factor("u", new Shape(shape.length(), rank)));
            v = addParameter(factor("v", new Shape(rank, shape.width())));
        }
        static Parameter factor(String name, Shape shape) {
            return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape)
                    .optInitializer(new UniformInitializer(0.5f)).build();
        }

        @Override
        protected NDArray apply(ParameterStore store, boolean training) {
            var device = u.getArray().getDevice();
            return store.getValue(u, device, training).matMul(store.getValue(v, device, training));
        }
    }
}
