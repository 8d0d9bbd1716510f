package dev.peft4j.harness.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Where a run ran, so results can be compared honestly.
 *
 * @param javaVersion {@code java.version}
 * @param os operating system name, version and architecture
 * @param cpuCount available processors
 * @param device the compute device, for example {@code cpu()} or {@code gpu(0)}
 * @param gitRevision the project's git revision, null when unknown
 */
public record RunEnvironment(
        String javaVersion, String os, int cpuCount, String device, @Nullable String gitRevision) {

    /**
     * The current process's environment. The git revision comes from the environment variable
     * {@code PEFT4J_GIT_REVISION} or, failing that, {@code git rev-parse HEAD} in the working
     * directory; it is null when neither works.
     */
    public static RunEnvironment current(String device) {
        return new RunEnvironment(
                System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(),
                device,
                GitRevision.AT_START);
    }

    /** Read once, when the first result of the process is made: later commits do not describe the code running. */
    private static final class GitRevision {
        static final @Nullable String AT_START = detectGitRevision();
    }

    private static @Nullable String detectGitRevision() {
        String fromEnvironment = System.getenv("PEFT4J_GIT_REVISION");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            if (!git.waitFor(5, TimeUnit.SECONDS)) {
                git.destroy();
                return null;
            }
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
