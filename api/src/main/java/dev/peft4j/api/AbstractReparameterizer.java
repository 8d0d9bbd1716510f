package dev.peft4j.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.jspecify.annotations.Nullable;

/**
 * Base class for reparameterizers: checks that the input and output are {@code (n, d)} with
 * the shape the instance was created for, answers DJL's shape queries, and initializes child
 * blocks with the prompt shape. Subclasses add parameters and children in the constructor and
 * implement {@link #apply}.
 *
 * @since 1.0
 */
public abstract class AbstractReparameterizer extends AbstractBlock implements Reparameterizer {

    private final PromptShape promptShape;

    /**
     * @param version     the block's version byte, stored with saved parameters
     * @param promptShape the prompt shape the instance serves
     * @since 1.0
     */
    protected AbstractReparameterizer(byte version, PromptShape promptShape) {
        super(version);
        this.promptShape = promptShape;
    }

    @Override
    public final PromptShape getPromptShape() {
        return promptShape;
    }

    /**
     * Computes {@code Φ(prompt)} for a prompt of the right shape.
     *
     * @param parameterStore where parameter values are read from
     * @param prompt         {@code P}, shape {@code (n, d)}
     * @param training       whether training-only behaviour (dropout) applies
     * @return {@code P'}, shape {@code (n, d)}
     * @since 1.0
     */
    protected abstract NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training);

    @Override
    protected final NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, @Nullable PairList<String, Object> params) {
        NDArray prompt = inputs.singletonOrThrow();
        checkShape(prompt.getShape(), "input");
        NDArray output = apply(parameterStore, prompt, training);
        checkShape(output.getShape(), "output");
        return new NDList(output);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {promptShape.toShape()};
    }

    @Override
    protected void initializeChildBlocks(
            ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
        for (var child : children.values()) {
            child.initialize(manager, dataType, promptShape.toShape());
        }
    }

    private void checkShape(Shape shape, String what) {
        if (!shape.equals(promptShape.toShape())) {
            throw new ShapeMismatchException(getClass().getSimpleName() + " was created for prompts of shape "
                    + promptShape + " but its " + what + " has shape " + shape
                    + ". Create the reparameterizer with the prompt's own shape.");
        }
    }
}
