package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoftPromptTest {

    private static final PromptShape SHAPE = new PromptShape(5, 6);

    /** Plain prompt tuning: Φ is the identity. */
    static final class Identity extends AbstractReparameterizer {
        Identity(PromptShape shape) {
            super((byte) 1, shape);
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
            return prompt;
        }
    }

    /** Φ with parameters: one shared linear layer {@code d -> d}. */
    static final class Projected extends AbstractReparameterizer {
        private final Linear linear;

        Projected(PromptShape shape) {
            super((byte) 1, shape);
            linear = addChildBlock("linear", Linear.builder().setUnits(shape.width()).build());
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
            return linear.forward(parameterStore, new ai.djl.ndarray.NDList(prompt), training).singletonOrThrow();
        }
    }

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void identityExportIsTheInitialPromptAndEqualsTheForwardPass() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).optSeed(5).build();
        prompt.initialize(manager, DataType.FLOAT32);

        PromptEmbeddings exported = prompt.export();
        NDArray forward = prompt.computePrompt(new ParameterStore(manager, false), false);

        assertThat(exported.shape()).isEqualTo(SHAPE);
        assertThat(exported.values()).containsExactly(forward.toFloatArray());
        assertThat(exported).isEqualTo(PromptInit.uniform().initialValues(SHAPE, null, 5));
        assertThat(prompt.getPromptShape()).isEqualTo(SHAPE);
        assertThat(prompt.getPromptParameter().getArray().getShape()).isEqualTo(SHAPE.toShape());
    }

    @Test
    void countsNTimesDTrainableValuesForTheIdentity() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).build();
        prompt.initialize(manager, DataType.FLOAT32);

        assertThat(prompt.getTrainableParameterCount()).isEqualTo(5L * 6);
    }

    @Test
    void countsTheParametersOfPhiToo() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new Projected(SHAPE)).optSeed(1).build();
        prompt.initialize(manager, DataType.FLOAT32);

        assertThat(prompt.getTrainableParameterCount()).isEqualTo(5L * 6 + 6 * 6 + 6);
        NDArray forward = prompt.computePrompt(new ParameterStore(manager, false), false);
        assertThat(prompt.export().values()).containsExactly(forward.toFloatArray());
    }

    @Test
    void theSameSeedGivesTheSameInitialPrompt() {
        SoftPrompt a = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).optSeed(9).build();
        SoftPrompt b = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).optSeed(9).build();
        SoftPrompt c = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).optSeed(10).build();
        a.initialize(manager, DataType.FLOAT32);
        b.initialize(manager, DataType.FLOAT32);
        c.initialize(manager, DataType.FLOAT32);

        assertThat(a.export()).isEqualTo(b.export()).isNotEqualTo(c.export());
    }

    @Test
    void gradientsReachThePrompt() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).build();
        prompt.initialize(manager, DataType.FLOAT32);

        try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
            NDArray out = prompt.computePrompt(new ParameterStore(manager, false), true);
            collector.backward(out.mul(2).sum());
        }

        float[] gradient = prompt.getPromptParameter().getArray().getGradient().toFloatArray();
        assertThat(gradient).hasSize(30).containsOnly(2f);
    }

    @Test
    void initializesFromAnEncoder() {
        FakeEncoder encoder = new FakeEncoder(manager, 40, 6);
        SoftPrompt prompt = SoftPrompt.builder()
                .setReparameterizer(new Identity(SHAPE))
                .optInit(PromptInit.text("great movie"))
                .optEncoder(encoder)
                .build();
        prompt.initialize(manager, DataType.FLOAT32);

        PromptEmbeddings exported = prompt.export();
        assertThat(exported.get(0, 0)).isEqualTo(7f);
        assertThat(exported.get(1, 0)).isEqualTo(11f);
        assertThat(exported.get(4, 5)).isEqualTo(7f + 1.25f);
    }

    @Test
    void refusesUseBeforeInitializationAndAMissingReparameterizer() {
        SoftPrompt prompt = SoftPrompt.builder().setReparameterizer(new Identity(SHAPE)).build();

        assertThatThrownBy(prompt::export)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Initialize (and train) the soft prompt before exporting it");
        assertThatThrownBy(prompt::getTrainableParameterCount)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Initialize the soft prompt before counting its parameters");
        assertThatThrownBy(() -> SoftPrompt.builder().build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("SoftPrompt.builder(): setReparameterizer(...) is required");
    }

    @Test
    void aReparameterizerOfAnotherShapeIsCaught() {
        Identity phi = new Identity(SHAPE);
        phi.initialize(manager, DataType.FLOAT32, SHAPE.toShape());

        assertThatThrownBy(() -> phi.reparameterize(
                        new ParameterStore(manager, false), manager.zeros(new ai.djl.ndarray.types.Shape(4, 6)), false))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("Identity was created for prompts of shape (5, 6) but its input has shape (4, 6). "
                        + "Create the reparameterizer with the prompt's own shape.");
    }
}
