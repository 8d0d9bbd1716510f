package dev.peft4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import dev.peft4j.api.AbstractPromptSource;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.PromptSource;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.TextEmbeddingUpdate;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The contract passes a correct plugin and catches broken ones: each fixture below breaks one
 * promise, and exactly the checks guarding it must fail.
 */
class ReparameterizerPluginContractSelfTest {

    @Test
    void aCorrectPluginPassesEveryCheck() {
        TestExecutionSummary summary = run(CorrectContract.class);
        assertThat(summary.getTestsSucceededCount()).isEqualTo(13);
        assertThat(failedChecks(summary)).isEmpty();
    }

    @Test
    void aCorrectMethodWithoutPPassesEveryCheckButTheOneForAReparameterizer() {
        TestExecutionSummary summary = run(LowRankContract.class);
        assertThat(failedChecks(summary)).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(12);
        assertThat(summary.getTestsAbortedCount()).as("rejectsInputsOfAnotherShape: no Φ").isEqualTo(1);
    }

    @Test
    void aCorrectTextUpdatePassesEveryCheck() {
        TestExecutionSummary summary = run(TextUpdateContract.class);
        assertThat(failedChecks(summary)).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(12);
    }

    @Test
    void aTextUpdateThatDoesNotStopAtItsLengthIsCaught() {
        assertThat(failedChecks(run(WrappingUpdateContract.class)))
                .containsExactly("textEmbeddingUpdateIsPerTokenAndStopsAtItsLength");
    }

    @Test
    void aTextUpdateWithoutGradientIsCaught() {
        assertThat(failedChecks(run(DetachedUpdateContract.class)))
                .contains("gradientsReachThePromptAndEveryParameter", "gradientsAgreeWithFiniteDifferences");
    }

    @Test
    void aMethodWithoutPThatIgnoresTheSeedIsCaught() {
        assertThat(failedChecks(run(UnseededContract.class))).contains("sameSeedGivesIdenticalPrompts");
    }

    @Test
    void aBadIdIsCaught() {
        assertThat(failedChecks(run(BadIdContract.class))).containsExactly("idIsLowerCaseKebabAndDescriptionIsNotBlank");
    }

    @Test
    void aGradientThatDoesNotReachThePromptIsCaught() {
        assertThat(failedChecks(run(DetachedContract.class)))
                .contains("gradientsReachThePromptAndEveryParameter", "gradientsAgreeWithFiniteDifferences");
    }

    @Test
    void aWrongGradientIsCaught() {
        // P + stopGradient(P²): the forward is right, autograd misses the square's derivative.
        assertThat(failedChecks(run(WrongGradientContract.class)))
                .containsExactly("gradientsAgreeWithFiniteDifferences");
    }

    @Test
    void anExportThatDiffersFromTheForwardPassIsCaught() {
        // Noise in every forward pass, training or not: export and eval forward disagree, and so do resumes.
        assertThat(failedChecks(run(NoisyContract.class))).contains("exportEqualsEvalForwardAndRoundTripsThroughFiles");
    }

    @Test
    void aCorrectLayerOnlyMethodPassesEveryCheckButTheOneForAReparameterizer() {
        TestExecutionSummary summary = run(LayerOnlyContract.class);
        assertThat(failedChecks(summary)).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(12);
        assertThat(summary.getTestsAbortedCount()).as("rejectsInputsOfAnotherShape: no Φ").isEqualTo(1);
    }

    @Test
    void aPrefixWithoutGradientIsCaught() {
        assertThat(failedChecks(run(DetachedPrefixContract.class)))
                .contains("gradientsReachThePromptAndEveryParameter", "gradientsAgreeWithFiniteDifferences");
    }

    @Test
    void aPrefixOfTheWrongShapeIsCaught() {
        assertThat(failedChecks(run(TransposedPrefixContract.class))).contains("keepsTheShapeOfThePrompt");
    }

    @Test
    void aLowRankUpdateThatIgnoresTheSeedIsCaught() {
        assertThat(failedChecks(run(UnseededDeltaContract.class))).contains("sameSeedGivesIdenticalPrompts");
    }

    private static TestExecutionSummary run(Class<?> contract) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(
                LauncherDiscoveryRequestBuilder.request().selectors(selectClass(contract)).build(), listener);
        return listener.getSummary();
    }

    private static Set<String> failedChecks(TestExecutionSummary summary) {
        return summary.getFailures().stream()
                .map(f -> f.getTestIdentifier().getDisplayName().replaceAll("\\(.*\\)$", ""))
                .collect(Collectors.toSet());
    }

    /** A plugin whose Φ applies {@code function} to P, with one option. */
    static class FixturePlugin implements ReparameterizerPlugin {
        private final String id;
        private final UnaryOperator<NDArray> function;

        FixturePlugin(String id, UnaryOperator<NDArray> function) {
            this.id = id;
            this.function = function;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public String getDescription() {
            return "A test fixture";
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
        }

        @Override
        public List<OptionSpec> getOptions() {
            return List.of(OptionSpec.flag("unused", false, "Not used"));
        }

        @Override
        public Reparameterizer create(PromptShape shape, Options options) {
            if (!options.getPluginId().equals(id)) {
                throw new InvalidOptionException("Options of another plugin given to '" + id + "'");
            }
            return new AbstractReparameterizer((byte) 1, shape) {
                @Override
                protected NDArray apply(ParameterStore parameterStore, NDArray prompt, boolean training) {
                    return function.apply(prompt);
                }
            };
        }
    }

    /** How a {@link LowRankPlugin} is (deliberately) broken. */
    enum Flaw { NONE, WRAPPING_UPDATE, DETACHED_UPDATE, UNSEEDED }

    /**
     * A method without P: P' = U·V (U n×2, V 2×d), optionally with a text update A·B (A L×2,
     * B 2×d), both drawn from the engine's generator.
     */
    static final class LowRankPlugin implements ReparameterizerPlugin {
        private final boolean textUpdate;
        private final Flaw flaw;

        LowRankPlugin(boolean textUpdate, Flaw flaw) {
            this.textUpdate = textUpdate;
            this.flaw = flaw;
        }

        @Override
        public String getId() {
            return textUpdate ? "low-rank-update" : "low-rank";
        }

        @Override
        public String getDescription() {
            return "A test fixture without P";
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
            return textUpdate ? new LowRankWithUpdate(context, flaw) : new LowRank(context.getPromptShape(), flaw);
        }
    }

    static class LowRank extends AbstractPromptSource {
        final Flaw flaw;
        private final Parameter u;
        private final Parameter v;

        LowRank(PromptShape shape, Flaw flaw) {
            super((byte) 1, shape);
            this.flaw = flaw;
            u = addParameter(weight("u", new Shape(shape.length(), 2)));
            v = addParameter(weight("v", new Shape(2, shape.width())));
        }

        static Parameter weight(String name, Shape shape) {
            return Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(shape)
                    .optInitializer(new NormalInitializer(1)).build();
        }

        static NDArray value(ParameterStore store, Parameter p, boolean training) {
            return store.getValue(p, p.getArray().getDevice(), training);
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            NDArray product = value(parameterStore, u, training).matMul(value(parameterStore, v, training));
            return flaw == Flaw.UNSEEDED ? product.add(new java.util.Random().nextGaussian()) : product;
        }
    }

    static final class LowRankWithUpdate extends LowRank implements TextEmbeddingUpdate {
        private final int maxLength;
        private final Parameter a;
        private final Parameter b;

        LowRankWithUpdate(PromptCreationContext context, Flaw flaw) {
            super(context.getPromptShape(), flaw);
            maxLength = context.getMaxTextLength();
            a = addParameter(weight("a", new Shape(maxLength, 2)));
            b = addParameter(weight("b", new Shape(2, context.getHiddenSize())));
        }

        @Override
        public int getMaxTextLength() {
            return maxLength;
        }

        @Override
        public NDArray computeUpdate(ParameterStore parameterStore, int length, boolean training) {
            NDArray bValue = value(parameterStore, b, training);
            NDArray rows = value(parameterStore, a, training).matMul(flaw == Flaw.DETACHED_UPDATE ? bValue.stopGradient() : bValue);
            if (length <= maxLength) {
                return rows.get(new NDIndex(":{}", length));
            }
            NDArray rest = flaw == Flaw.WRAPPING_UPDATE
                    ? rows.get(new NDIndex(":{}", length - maxLength))
                    : rows.zerosLike().get(new NDIndex(":{}", length - maxLength)).stopGradient();
            return rows.concat(rest, 0);
        }
    }

    static class LowRankContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LowRankPlugin(false, Flaw.NONE);
        }
    }

    static class TextUpdateContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LowRankPlugin(true, Flaw.NONE);
        }
    }

    static class WrappingUpdateContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LowRankPlugin(true, Flaw.WRAPPING_UPDATE);
        }
    }

    static class DetachedUpdateContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LowRankPlugin(true, Flaw.DETACHED_UPDATE);
        }
    }

    static class UnseededContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LowRankPlugin(false, Flaw.UNSEEDED);
        }
    }

    static class CorrectContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new FixturePlugin("square-plus", p -> p.add(p.square()));
        }
    }

    static class BadIdContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new FixturePlugin("Square_Plus", p -> p.add(p.square()));
        }
    }

    static class DetachedContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new FixturePlugin("detached", p -> p.stopGradient().mul(2));
        }
    }

    static class WrongGradientContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new FixturePlugin("wrong-gradient", p -> p.add(p.square().stopGradient()));
        }
    }

    static class NoisyContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new FixturePlugin("noisy", p -> p.add(p.getManager().randomNormal(p.getShape(), p.getDataType())));
        }
    }

    /** How a {@link LayerOnlyPlugin} is (deliberately) broken. */
    enum LayerFlaw { NONE, DETACHED_PREFIX, TRANSPOSED_PREFIX, UNSEEDED_DELTA }

    /**
     * A method that acts only inside the layers: a prefix {@code T + T²} from a table {@code T}
     * of shape {@code (L, 2, n, d)}, and a low-rank update of {@code output} with both factors
     * drawn from the engine's generator.
     */
    static final class LayerOnlyPlugin implements ReparameterizerPlugin {
        private final LayerFlaw flaw;

        LayerOnlyPlugin(LayerFlaw flaw) {
            this.flaw = flaw;
        }

        @Override
        public String getId() {
            return "layer-only";
        }

        @Override
        public String getDescription() {
            return "A test fixture acting inside the layers";
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
            return new LayerOnly(context, flaw);
        }
    }

    static final class LayerOnly extends AbstractPromptSource implements LayerPrefix, LowRankUpdate {
        private final LayerFlaw flaw;
        private final Parameter table;
        private final Parameter a;
        private final Parameter b;

        LayerOnly(PromptCreationContext context, LayerFlaw flaw) {
            super((byte) 1, context.getPromptShape());
            this.flaw = flaw;
            int n = context.getPromptShape().length();
            int d = context.getHiddenSize();
            int inner = context.getIntermediateSize();
            table = addParameter(LowRank.weight("table", new Shape(context.getNumLayers(), 2, n, d)));
            a = addParameter(LowRank.weight("a", new Shape(2, LinearTarget.OUTPUT.inFeatures(d, inner))));
            b = addParameter(LowRank.weight("b", new Shape(LinearTarget.OUTPUT.outFeatures(d, inner), 2)));
        }

        @Override
        public boolean insertsInputPrompt() {
            return false;
        }

        @Override
        protected NDArray apply(ParameterStore parameterStore, boolean training) {
            throw new UnsupportedOperationException("nothing at the input");
        }

        @Override
        public int getPrefixLength() {
            return getPromptShape().length();
        }

        @Override
        public NDArray computePrefix(ParameterStore parameterStore, boolean training) {
            NDArray t = LowRank.value(parameterStore, table, training);
            NDArray prefix = t.add(t.square());
            return switch (flaw) {
                case DETACHED_PREFIX -> prefix.stopGradient();
                case TRANSPOSED_PREFIX -> prefix.transpose(0, 1, 3, 2);
                default -> prefix;
            };
        }

        @Override
        public Set<LinearTarget> getTargets() {
            return Set.of(LinearTarget.OUTPUT);
        }

        @Override
        public float getScale() {
            return 0.5f;
        }

        @Override
        public NDList computeFactors(ParameterStore parameterStore, int layer, LinearTarget target) {
            return new NDList(LowRank.value(parameterStore, a, false), LowRank.value(parameterStore, b, false));
        }

        @Override
        public NDArray computeDelta(ParameterStore parameterStore, int layer, LinearTarget target, NDArray input,
                boolean training) {
            NDArray delta = LowRankUpdate.super.computeDelta(parameterStore, layer, target, input, training);
            return flaw == LayerFlaw.UNSEEDED_DELTA ? delta.add(new java.util.Random().nextGaussian()) : delta;
        }
    }

    static class LayerOnlyContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LayerOnlyPlugin(LayerFlaw.NONE);
        }
    }

    static class DetachedPrefixContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LayerOnlyPlugin(LayerFlaw.DETACHED_PREFIX);
        }
    }

    static class TransposedPrefixContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LayerOnlyPlugin(LayerFlaw.TRANSPOSED_PREFIX);
        }
    }

    static class UnseededDeltaContract extends ReparameterizerPluginContract {
        @Override
        protected ReparameterizerPlugin plugin() {
            return new LayerOnlyPlugin(LayerFlaw.UNSEEDED_DELTA);
        }
    }
}
