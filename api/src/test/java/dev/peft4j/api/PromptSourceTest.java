package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** API 1.1: methods that own their parameters, the creation context, the text update, and the framework's option check. */
class PromptSourceTest {

    private static final PromptShape SHAPE = new PromptShape(3, 4);

    /** P' = U·V with U (n×1) and V (1×d) constant; no framework-owned P. */
    static final class RankOne extends AbstractPromptSource {
        private final Parameter u;
        private final Parameter v;

        RankOne(PromptShape shape) {
            super((byte) 1, shape);
            u = addParameter(Parameter.builder().setName("u").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(shape.length(), 1)).optInitializer(new ConstantInitializer(2)).build());
            v = addParameter(Parameter.builder().setName("v").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1, shape.width())).optInitializer(new ConstantInitializer(3)).build());
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            var device = u.getArray().getDevice();
            return parameterStore.getValue(u, device, training).matMul(parameterStore.getValue(v, device, training));
        }
    }

    /** A 1.1 plugin whose prompt is {@link RankOne}. */
    static class RankOnePlugin implements ReparameterizerPlugin {
        @Override
        public String getId() {
            return "rank-one";
        }

        @Override
        public String getDescription() {
            return "Test";
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
        }

        @Override
        public List<OptionSpec> getOptions() {
            return List.of();
        }

        @Override
        public PromptSource createPrompt(PromptCreationContext context, Options options) {
            return new RankOne(context.getPromptShape());
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
    void aMethodThatOwnsItsParametersHasNoFrameworkOwnedPrompt() {
        RankOnePlugin plugin = new RankOnePlugin();
        SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(java.util.Map.of()),
                PromptCreationContext.builder(SHAPE).build());
        prompt.initialize(manager, DataType.FLOAT32);

        assertThat(prompt.hasPromptParameter()).isFalse();
        assertThat(prompt.getTrainableParameterCount()).isEqualTo(3 + 4);
        assertThat(prompt.export().values()).containsOnly(6f);
        assertThat(prompt.getTextEmbeddingUpdate()).isNull();
        assertThatThrownBy(prompt::getPromptParameter).isInstanceOf(PeftException.class)
                .hasMessageContaining("owns its parameters");
        assertThatThrownBy(() -> plugin.create(SHAPE, plugin.parseOptions(java.util.Map.of())))
                .isInstanceOf(PluginException.class).hasMessageContaining("rank-one");
    }

    @Test
    void aReparameterizerPluginIsAdaptedToAPromptWithP() {
        ReparameterizerPluginTest.WidthPlugin plugin = new ReparameterizerPluginTest.WidthPlugin();
        SoftPrompt prompt = SoftPrompt.create(plugin, plugin.parseOptions(java.util.Map.of("width", 5)),
                PromptCreationContext.builder(SHAPE).optSeed(7).build());
        prompt.initialize(manager, DataType.FLOAT32);

        assertThat(prompt.hasPromptParameter()).isTrue();
        assertThat(plugin.lastOptions.getInt("width")).isEqualTo(5);
        SoftPrompt same = SoftPrompt.builder().setReparameterizer(new SoftPromptTest.Identity(SHAPE)).optSeed(7).build();
        same.initialize(manager, DataType.FLOAT32);
        assertThat(prompt.export()).as("P started with the context's init and seed").isEqualTo(same.export());
    }

    @Test
    void theFrameworkRefusesOptionsOfAnotherPluginBeforeCallingThePlugin() {
        // WidthPlugin checks nothing itself
        ReparameterizerPluginTest.WidthPlugin plugin = new ReparameterizerPluginTest.WidthPlugin();
        Options foreign = Options.defaults("other", plugin.getOptions());

        assertThatThrownBy(() -> SoftPrompt.create(plugin, foreign, PromptCreationContext.builder(SHAPE).build()))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("width-test")
                .hasMessageContaining("other");
        assertThat(plugin.lastOptions.getPluginId()).as("the plugin was never called").isEqualTo("width-test");
        assertThat(plugin.lastOptions.asMap()).isEmpty();
    }

    @Test
    void aPromptOfAnotherShapeThanTheContextsIsRefused() {
        RankOnePlugin plugin = new RankOnePlugin() {
            @Override
            public PromptSource createPrompt(PromptCreationContext context, Options options) {
                return new RankOne(new PromptShape(2, 4));
            }
        };
        assertThatThrownBy(() -> SoftPrompt.create(plugin, plugin.parseOptions(java.util.Map.of()),
                PromptCreationContext.builder(SHAPE).build()))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(2, 4)").hasMessageContaining("(3, 4)");
    }

    @Test
    void theContextGivesBackboneFactsAndSaysWhatIsMissing() {
        FakeEncoder encoder = new FakeEncoder(manager, 20, 4);
        PromptCreationContext context = PromptCreationContext.builder(SHAPE).optEncoder(encoder).optLayers(6, 12).build();
        assertThat(context.getHiddenSize()).isEqualTo(4);
        assertThat(context.getNumLayers()).isEqualTo(6);
        assertThat(context.getNumAttentionHeads()).isEqualTo(12);
        assertThat(context.getVocabularySize()).isEqualTo(20);
        assertThat(context.getWordEmbeddings()).isSameAs(encoder.getVocabularyEmbeddings());
        assertThat(context.getMaxTextLength()).isEqualTo(encoder.getMaxPositions() - SHAPE.length());

        PromptCreationContext bare = PromptCreationContext.builder(SHAPE).build();
        assertThat(bare.hasWordEmbeddings()).isFalse();
        assertThatThrownBy(bare::getWordEmbeddings).isInstanceOf(PeftException.class).hasMessageContaining("optEncoder");
        assertThatThrownBy(bare::getMaxTextLength).isInstanceOf(PeftException.class)
                .hasMessageContaining("optMaxTextLength");
        assertThatThrownBy(() -> PromptCreationContext.builder(SHAPE).optWordEmbeddings(manager.zeros(new Shape(5, 3)))
                .build()).isInstanceOf(ShapeMismatchException.class);
    }

    @Test
    void aTextUpdateReachesTokensAndSkipsPadding() {
        NDArray embeddings = manager.zeros(new Shape(2, 3, 2));
        NDArray update = manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(3, 2));
        NDArray mask = manager.create(new long[] {1, 1, 1, 1, 0, 0}, new Shape(2, 3));

        float[] updated = PromptInjection.addTextUpdate(update, embeddings, mask).toFloatArray();

        assertThat(updated).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 0, 0, 0, 0);
        assertThatThrownBy(() -> PromptInjection.addTextUpdate(manager.zeros(new Shape(2, 2)), embeddings, mask))
                .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(T, d)");
    }
}
