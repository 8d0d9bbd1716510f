package dev.peft4j.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PluginException;
import dev.peft4j.api.ReparameterizerPlugin;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin folders, with a third-party plugin compiled from source during the test, so that its
 * class exists only inside the jar.
 */
class PluginFolderTest {

    private static final String EXAMPLE_CLASS = "com.example.peft.ReversedPromptPlugin";

    /** The example plugin, compiled once for the whole class (javac is the slow part). */
    @TempDir
    static Path compiled;

    @TempDir
    Path temp;

    @BeforeAll
    static void compileExamplePlugin() throws IOException, URISyntaxException {
        Path sourceRoot = Path.of(resource("example-plugin").toURI());
        List<String> sources;
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("a JDK (not a JRE) runs the tests").isNotNull();
        List<String> arguments = new ArrayList<>(List.of(
                "-classpath", compileClassPath(), "-d", compiled.toString(), "--release", "17", "-proc:none"));
        arguments.addAll(sources);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = compiler.run(null, diagnostics, diagnostics, arguments.toArray(String[]::new));
        assertThat(status).as("javac output: %s", diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void findsACompiledThirdPartyPluginInItsOwnClassLoader() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("plugins"));
        buildExamplePluginJar(folder.resolve("reversed-prompt-1.0.jar"));

        PluginRegistry registry = PluginRegistry.builder().addClassPath().addPluginFolder(folder).build();

        assertThat(registry.getIds()).containsExactly("identity-prompt", "reversed-prompt", "scaled-prompt");
        assertThat(registry.getProblems()).isEmpty();
        ReparameterizerPlugin plugin = registry.get("reversed-prompt");
        assertThat(plugin.getClass().getName()).isEqualTo(EXAMPLE_CLASS);
        assertThat(plugin.getClass().getClassLoader())
                .isNotSameAs(PluginFolderTest.class.getClassLoader())
                .isNotSameAs(ReparameterizerPlugin.class.getClassLoader());
        assertThat(plugin.getClass().getClassLoader().getParent())
                .isSameAs(ReparameterizerPlugin.class.getClassLoader());
        assertThatThrownBy(() -> Class.forName(EXAMPLE_CLASS, false, PluginFolderTest.class.getClassLoader()))
                .isInstanceOf(ClassNotFoundException.class);
        PluginInfo info = registry.list().get(1);
        assertThat(info.source()).endsWith("reversed-prompt-1.0.jar");
        assertThat(plugin.parseOptions(java.util.Map.of("reverse", "off")).getBoolean("reverse")).isFalse();
    }

    @Test
    void aBrokenJarIsReportedAndTheOthersLoad() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("plugins"));
        buildExamplePluginJar(folder.resolve("reversed-prompt-1.0.jar"));
        Files.write(folder.resolve("x.jar"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Files.writeString(folder.resolve("notes.txt"), "not a jar, ignored");

        PluginRegistry registry = PluginRegistry.builder().addPluginFolder(folder).build();

        assertThat(registry.getIds()).containsExactly("reversed-prompt");
        assertThat(registry.getProblems()).singleElement().satisfies(problem -> {
            assertThat(problem.source()).endsWith("x.jar");
            assertThat(problem.message()).contains("x.jar", "cannot be opened", "remove it");
        });
    }

    @Test
    void aPluginCompiledForANewerJavaIsReportedAndTheOthersLoad() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("plugins"));
        buildExamplePluginJar(folder.resolve("reversed-prompt-1.0.jar"));
        String pluginClass = "com/example/peft/ReversedPromptPlugin.class";
        byte[] bytes = Files.readAllBytes(compiled.resolve(pluginClass));
        bytes[7] = 99; // class file major version 99: a Java far newer than this one
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(folder.resolve("future-java.jar")))) {
            jar.putNextEntry(new JarEntry(pluginClass));
            jar.write(bytes);
            jar.closeEntry();
            addTree(jar, Path.of(resource("example-plugin").toURI()), "META-INF/");
        }

        PluginRegistry registry = PluginRegistry.builder().addPluginFolder(folder).build();

        assertThat(registry.getIds()).containsExactly("reversed-prompt");
        assertThat(registry.getProblems()).singleElement().satisfies(problem -> {
            assertThat(problem.source()).endsWith("future-java.jar");
            assertThat(problem.message()).contains("could not be loaded", "UnsupportedClassVersionError",
                    EXAMPLE_CLASS.replace('.', '/'), "Rebuild the plugin for Java");
        });
    }

    @Test
    void aJarWithoutServiceFileIsReported() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("plugins"));
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(folder.resolve("empty.jar")))) {
            jar.putNextEntry(new JarEntry("readme.txt"));
            jar.write("nothing here".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }

        PluginRegistry registry = PluginRegistry.builder().addPluginFolder(folder).build();

        assertThat(registry.getIds()).isEmpty();
        assertThat(registry.getProblems()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("empty.jar", "declares no plugin"));
    }

    @Test
    void aMissingFolderFailsClearly() {
        Path missing = temp.resolve("no-such-folder");

        assertThatThrownBy(() -> PluginRegistry.builder().addPluginFolder(missing).build())
                .isInstanceOf(PluginException.class)
                .hasMessageContaining("no-such-folder")
                .hasMessageContaining("does not exist");
    }

    /** Packs the compiled example plugin with its service file into {@code jarFile}. */
    private static void buildExamplePluginJar(Path jarFile) throws IOException, URISyntaxException {
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(jarFile))) {
            addTree(jar, compiled);
            addTree(jar, Path.of(resource("example-plugin").toURI()), "META-INF/");
        }
    }

    /** The API and what it needs (DJL, JSpecify), found where their classes were loaded from. */
    private static String compileClassPath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        for (Class<?> type : List.of(ReparameterizerPlugin.class, ai.djl.nn.Block.class,
                org.jspecify.annotations.Nullable.class)) {
            entries.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Adds the files under {@code root} to {@code jar}, named relative to {@code root}. */
    private static void addTree(JarOutputStream jar, Path root) throws IOException {
        addTree(jar, root, "");
    }

    /** Adds the files under {@code root} whose relative name starts with {@code prefix}. */
    private static void addTree(JarOutputStream jar, Path root, String prefix) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String name = root.relativize(file).toString().replace(File.separatorChar, '/');
            if (!name.startsWith(prefix)) {
                continue;
            }
            jar.putNextEntry(new JarEntry(name));
            Files.copy(file, jar); // leaves the jar stream open
            jar.closeEntry();
        }
    }

    private static URL resource(String name) {
        URL url = PluginFolderTest.class.getClassLoader().getResource(name);
        assertThat(url).as("test resource %s", name).isNotNull();
        return java.util.Objects.requireNonNull(url);
    }
}
