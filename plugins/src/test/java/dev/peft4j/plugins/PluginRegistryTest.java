package dev.peft4j.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.PluginException;
import dev.peft4j.testkit.ScaledPromptPlugin;
import java.io.IOException;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {

    @TempDir
    Path temp;

    @Test
    void discoversTheTestPluginsOnTheClassPath() {
        PluginRegistry registry = PluginRegistry.discover();

        assertThat(registry.getIds()).containsExactly("identity-prompt", "scaled-prompt");
        assertThat(registry.get("scaled-prompt")).isInstanceOf(ScaledPromptPlugin.class);
        assertThat(registry.find("scaled-prompt")).containsInstanceOf(ScaledPromptPlugin.class);
        assertThat(registry.find("nothing-here")).isEmpty();
        assertThat(registry.getProblems()).isEmpty();
    }

    @Test
    void listDescribesEachPluginSortedById() {
        List<PluginInfo> list = PluginRegistry.builder().addClassPath().build().list();

        assertThat(list).extracting(PluginInfo::id).containsExactly("identity-prompt", "scaled-prompt");
        PluginInfo scaled = list.get(1);
        assertThat(scaled.description()).isEqualTo("Example method: the prompt times a constant factor");
        assertThat(scaled.apiVersion()).isEqualTo(ApiVersion.CURRENT);
        assertThat(scaled.options()).singleElement().satisfies(o -> assertThat(o.name()).isEqualTo("scale"));
        assertThat(scaled.className()).isEqualTo(ScaledPromptPlugin.class.getName());
        assertThat(scaled.source()).isEqualTo(PluginRegistry.CLASS_PATH);
    }

    @Test
    void theSamePluginSeenThroughTwoSourcesCountsOnce() {
        PluginRegistry registry = PluginRegistry.builder()
                .addClassPath()
                .addClassLoader(PluginRegistryTest.class.getClassLoader())
                .build();

        assertThat(registry.getIds()).containsExactly("identity-prompt", "scaled-prompt");
    }

    @Test
    void duplicateIdFailsNamingBothClassesAndSources() throws IOException {
        try (URLClassLoader loader = TestPlugins.loaderListing(temp, TestPlugins.DuplicateScaled.class)) {
            assertThatThrownBy(() -> PluginRegistry.discover(loader))
                    .isInstanceOf(PluginException.class)
                    .hasMessageContaining("Two plugins have the id 'scaled-prompt'")
                    .hasMessageContaining(ScaledPromptPlugin.class.getName())
                    .hasMessageContaining(TestPlugins.DuplicateScaled.class.getName())
                    .hasMessageContaining("class loader test-services")
                    .hasMessageContaining("rename one id");
        }
    }

    @Test
    void duplicateIdOfAnExplicitInstanceFailsToo() {
        assertThatThrownBy(() -> PluginRegistry.builder()
                        .add(new ScaledPromptPlugin())
                        .add(new TestPlugins.DuplicateScaled())
                        .build())
                .isInstanceOf(PluginException.class)
                .hasMessageContaining(ScaledPromptPlugin.class.getName() + " (from added explicitly)")
                .hasMessageContaining(TestPlugins.DuplicateScaled.class.getName() + " (from added explicitly)");
    }

    @Test
    void pluginsForAnotherApiVersionAreRefusedWhileTheOthersLoad() throws IOException {
        try (URLClassLoader loader = TestPlugins.loaderListing(temp,
                TestPlugins.NextMajor.class, TestPlugins.Good.class, TestPlugins.NewerMinor.class)) {
            PluginRegistry registry = PluginRegistry.discover(loader);

            assertThat(registry.getIds()).containsExactly("good-prompt", "identity-prompt", "scaled-prompt");
            assertThat(registry.getProblems()).hasSize(2);
            String nextMajor = new ApiVersion(ApiVersion.MAJOR + 1, 0).toString();
            assertThat(registry.getProblems().get(0).message())
                    .contains("'next-major-prompt'", TestPlugins.NextMajor.class.getName())
                    .contains("built for peft4j API " + nextMajor, "this is peft4j API " + ApiVersion.CURRENT)
                    .contains("different major version");
            assertThat(registry.getProblems().get(1).message())
                    .contains("'newer-minor-prompt'", "newer minor version");
            assertThat(registry.getProblems().get(0).source()).isEqualTo("class loader test-services");
            assertThatThrownBy(() -> registry.get("next-major-prompt"))
                    .hasMessageContaining("2 plugin(s) could not be loaded")
                    .hasMessageContaining("built for peft4j API " + nextMajor);
        }
    }

    @Test
    void aThrowingConstructorIsReportedAndTheOthersLoad() throws IOException {
        try (URLClassLoader loader = TestPlugins.loaderListing(temp,
                TestPlugins.Throwing.class, TestPlugins.Good.class)) {
            PluginRegistry registry = PluginRegistry.discover(loader);

            assertThat(registry.getIds()).contains("good-prompt").doesNotContain("throwing-prompt");
            assertThat(registry.getProblems()).singleElement().satisfies(problem -> {
                assertThat(problem.message())
                        .contains(TestPlugins.Throwing.class.getName())
                        .contains("failed to start")
                        .contains("cannot find my model files");
                assertThat(problem.cause()).isNotNull();
            });
        }
    }

    @Test
    void aMissingClassInTheServiceFileIsReported() throws IOException {
        try (URLClassLoader loader = TestPlugins.loaderListing(temp, TestPlugins.Good.class)) {
            java.nio.file.Files.writeString(
                    temp.resolve("META-INF/services/dev.peft4j.api.ReparameterizerPlugin"),
                    "com.example.Missing\n" + TestPlugins.Good.class.getName() + "\n");
            PluginRegistry registry = PluginRegistry.discover(loader);

            assertThat(registry.getIds()).contains("good-prompt");
            assertThat(registry.getProblems()).singleElement()
                    .satisfies(p -> assertThat(p.message()).contains("com.example.Missing", "could not be loaded"));
        }
    }

    @Test
    void anIdThatIsNotKebabIsRefused() {
        PluginRegistry registry = PluginRegistry.builder().add(new TestPlugins.BadId()).build();

        assertThat(registry.getIds()).isEmpty();
        assertThat(registry.getProblems()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("'Bad_Id'", "not lower-case kebab"));
    }

    @Test
    void unknownIdSuggestsTheClosestAndListsAll() {
        PluginRegistry registry = PluginRegistry.discover();

        assertThatThrownBy(() -> registry.get("scaled-promt"))
                .isInstanceOf(PluginException.class)
                .hasMessage("Unknown method 'scaled-promt'. Did you mean 'scaled-prompt'? "
                        + "Available: identity-prompt, scaled-prompt.");
        assertThatThrownBy(() -> registry.get("lora"))
                .hasMessage("Unknown method 'lora'. Available: identity-prompt, scaled-prompt.");
    }

    @Test
    void anEmptyRegistrySaysHowToInstallAPlugin() {
        PluginRegistry registry = PluginRegistry.builder().build();

        assertThat(registry.list()).isEmpty();
        assertThatThrownBy(() -> registry.get("residual-prompt"))
                .isInstanceOf(PluginException.class)
                .hasMessageStartingWith("Unknown method 'residual-prompt'. No reparameterizer plugins are installed.")
                .hasMessageContaining("Put a plugin jar")
                .hasMessageContaining("on the class path or in a plugin folder");
    }
}
