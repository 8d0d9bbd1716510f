package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code peft4j} prints on its error stream, in a fresh JVM each time (slf4j-simple reads
 * its settings once per process): a plugin that fails to load is one line, its stack trace comes
 * only with {@code --verbose}; DJL's start-up lines and CUDA probe only with {@code --verbose}.
 */
class VerboseOutputTest {

    @TempDir
    static Path pluginFolder;

    /** The output of one {@code peft4j} process. */
    private record Outcome(int status, String out, String err) {}

    @BeforeAll
    static void writeBrokenPluginJar() throws IOException {
        try (OutputStream file = Files.newOutputStream(pluginFolder.resolve("broken-plugin.jar"));
                JarOutputStream jar = new JarOutputStream(file)) {
            jar.putNextEntry(new JarEntry("META-INF/services/dev.peft4j.api.ReparameterizerPlugin"));
            jar.write("com.example.MissingPlugin\n".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
    }

    private static Outcome peft4j(String... args) throws IOException, InterruptedException {
        return java(Peft4jCommand.class, args);
    }

    private static Outcome java(Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(Plugins.PLUGIN_DIR_VARIABLE, pluginFolder.toString());
        Path out = pluginFolder.resolve("out.txt");
        Path err = pluginFolder.resolve("err.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        int status = process.waitFor();
        return new Outcome(status, Files.readString(out), Files.readString(err));
    }

    @Test
    void aPluginThatFailsToLoadIsOneLineWithoutVerbose() throws Exception {
        Outcome outcome = peft4j("list");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("residual-prompt").contains("not loaded:");
        List<String> lines = outcome.err().lines().toList();
        assertThat(lines).singleElement().asString()
                .startsWith("WARN PluginRegistry - ")
                .contains("broken-plugin.jar").contains("com.example.MissingPlugin");
    }

    @Test
    void trainingReportsABrokenPluginOnceNotOncePerRegistry() throws Exception {
        Outcome outcome = peft4j("train", "--backbone", TinyBertFolder.shared().toString(), "--task", "cb",
                "--method", "prompt-tuning", "-n", "2", "--data", TestData.synthetic().toString(),
                "--results", pluginFolder.resolve("runs").toString(), "--epochs", "1", "--max-steps", "1",
                "--batch-size", "4", "--max-length", "64", "--train-limit", "4", "--eval-limit", "4");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.err().lines().filter(line -> line.contains("com.example.MissingPlugin")))
                .as("the grid check and the training session share one registry").hasSize(1);
    }

    @Test
    void verboseAddsTheStackTraceAfterTheSubcommandOrBeforeIt() throws Exception {
        for (Outcome outcome : List.of(peft4j("list", "--verbose"), peft4j("-v", "list"))) {
            assertThat(outcome.status()).as(outcome.err()).isZero();
            assertThat(outcome.err()).contains("com.example.MissingPlugin").contains("Stack trace of:")
                    .contains("\tat java.base/java.util.ServiceLoader");
        }
    }

    @Test
    void cpuRunHidesDjlStartUpAndTheCudaProbeUnlessVerbose() throws Exception {
        Outcome quiet = java(LoggingProbe.class);

        assertThat(quiet.err().lines().toList()).containsExactly(
                "WARN PtEngine - a real DJL warning", "INFO ExperimentRunner - Shard 1/1: 2 runs");

        Outcome verbose = java(LoggingProbe.class, "--verbose");

        assertThat(verbose.err()).contains("Failed to detect GPU count").contains("Number of inter-op threads")
                .contains("a debug detail");
    }
}
