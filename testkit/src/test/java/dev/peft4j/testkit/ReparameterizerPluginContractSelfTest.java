package dev.peft4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.AbstractReparameterizer;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
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
}
