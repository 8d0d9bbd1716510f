package dev.peft4j.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.training.initializer.UniformInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Range;
import dev.peft4j.api.TextEmbeddingUpdate;
import java.util.List;

/**
 * Decomposed Prompt Tuning, DePT (Shi and Lipani, "DePT: Decomposed Prompt Tuning for
 * Parameter-Efficient Fine-tuning", ICLR 2024): a shorter prompt {@code P} {@code (m × d)} plus a
 * low-rank update {@code A·B} added to the input embeddings of the text, {@code A}
 * {@code (s × r)}, {@code B} {@code (r × d)}, {@code s} the longest text: token position {@code t}
 * gets row {@code t} of {@code A·B}. Trainable values: {@code m·d + r·(s + d)}. The authors' GLUE
 * script uses {@code m = 40}, {@code r = 45}, {@code s = 256} with T5-Base; their code starts
 * {@code A} with PyTorch's Kaiming-uniform ({@code a = √5}, i.e. uniform in
 * {@code ±1/sqrt(r)}) and {@code B} at zero, so training starts from plain prompt tuning.
 *
 * <p>Here {@code s} is the run's longest text (the context's {@code maxTextLength}: max length
 * minus the prompt length), the prompt length is the run's, and {@code P} starts with the run's
 * prompt init. DePT trains {@code A, B} with a second, smaller learning rate (its grid: 5e-3 or
 * 5e-4 next to 0.3 for the prompt); the harness has one prompt learning rate, so option
 * {@code low-rank-lr-ratio} (default 0.0167, about 5e-3 / 0.3) scales it for {@code A} and {@code B}:
 * they are stored divided by the ratio and multiplied back in the forward pass, which under Adam
 * scales their steps by the ratio.
 *
 * <p>Options: {@code rank} ({@code r}, int ≥ 1, default 45), {@code low-rank-lr-ratio} (decimal
 * above 0, default 0.0167). Export: {@code P'} alone would silently drop the text update, so the
 * harness refuses to export a DePT run as a PEFT prompt-tuning adapter.
 */
public final class DeptPlugin extends OwnParametersPlugin {

    /** The plugin id. */
    public static final String ID = "dept";

    /** Creates the plugin; ServiceLoader calls this. */
    public DeptPlugin() {
        super(ID, "Decomposed prompt tuning: a shorter prompt plus a low-rank update of the text's "
                + "input embeddings (Shi and Lipani 2024)",
                List.of(OptionSpec.integer("rank", 45, Range.atLeast(1), "Rank r of the text update A (s×r) · B (r×d)"),
                        OptionSpec.decimal("low-rank-lr-ratio", 0.0167, Range.greaterThan(0),
                                "Learning rate of A and B relative to the prompt's")));
    }

    @Override
    public PromptSource createPrompt(PromptCreationContext context, Options options) {
        return new DecomposedPrompt(context, options.getInt("rank"), options.getDouble("low-rank-lr-ratio"));
    }

    /** {@code P} itself as {@code P'}, and the text update {@code A·B}. */
    static final class DecomposedPrompt extends AbstractPromptSource implements TextEmbeddingUpdate {
        private final int maxTextLength;
        private final double ratio;
        private final Parameter prompt;
        private final Parameter a;
        private final Parameter b;

        DecomposedPrompt(PromptCreationContext context, int rank, double ratio) {
            super((byte) 1, context.getPromptShape());
            this.maxTextLength = context.getMaxTextLength();
            this.ratio = ratio;
            PromptEmbeddings initial = context.initialPrompt();
            this.prompt = addParameter(weight("prompt", context.getPromptShape().toShape(),
                    (manager, shape, dataType) -> initial.toNDArray(manager).toType(dataType, false)));
            this.a = addParameter(weight("a", new Shape(maxTextLength, rank),
                    new UniformInitializer((float) (1 / Math.sqrt(rank) / ratio))));
            this.b = addParameter(weight("b", new Shape(rank, context.getHiddenSize()), new ConstantInitializer(0)));
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            // a view, not P itself: callers may close P' without closing the parameter
            NDArray p = value(parameterStore, prompt, training);
            return p.reshape(p.getShape());
        }

        @Override
        public int getMaxTextLength() {
            return maxTextLength;
        }

        @Override
        public NDArray computeUpdate(ParameterStore parameterStore, int length, boolean training) {
            NDArray rows = value(parameterStore, a, training).matMul(value(parameterStore, b, training))
                    .mul(ratio * ratio);
            if (length <= maxTextLength) {
                return rows.get(new NDIndex(":{}", length));
            }
            // tokens past the longest text get no update
            NDArray zeros = rows.getManager().zeros(new Shape(length - maxTextLength, rows.getShape().get(1)),
                    rows.getDataType(), rows.getDevice());
            return rows.concat(zeros, 0);
        }
    }
}
