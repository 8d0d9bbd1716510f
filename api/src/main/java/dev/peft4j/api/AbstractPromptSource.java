package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.jspecify.annotations.Nullable;

/**
 * Base class for prompt sources: checks that the prompt has the shape the instance was created
 * for and answers DJL's shape queries. Subclasses add their parameters (and children) in the
 * constructor and implement {@link #apply}.
 *
 * @since 1.1
 */
public abstract class AbstractPromptSource extends AbstractBlock implements PromptSource {

    private final PromptShape promptShape;

    /**
     * @param version     the block's version byte, stored with saved parameters
     * @param promptShape the shape of the prompt the source yields
     * @since 1.1
     */
    protected AbstractPromptSource(byte version, PromptShape promptShape) {
        super(version);
        this.promptShape = promptShape;
    }

    @Override
    public final PromptShape getPromptShape() {
        return promptShape;
    }

    /**
     * Computes {@code P'} from the source's own parameters.
     *
     * @param parameterStore where parameter values are read from
     * @param training       whether training-only behaviour (dropout) applies
     * @return {@code P'}, shape {@code (n, d)}
     * @since 1.1
     */
    protected abstract NDArray apply(ParameterStore parameterStore, boolean training);

    @Override
    protected final NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        NDArray prompt = apply(parameterStore, training);
        if (!prompt.getShape().equals(promptShape.toShape())) {
            throw new ShapeMismatchException(getClass().getSimpleName() + " was created for prompts of shape "
                    + promptShape + " but computed one of shape " + prompt.getShape()
                    + ". Compute P' with the shape the creation context gave.");
        }
        return new NDList(prompt);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {promptShape.toShape()};
    }

    /** Initializes child blocks with the prompt shape as their input shape; override for others. */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (var child : children.values()) {
            child.initialize(manager, dataType, promptShape.toShape());
        }
    }
}
