package dev.peft4j.harness.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Where a run ran, so results can be compared honestly.
 *
 * @param javaVersion {@code java.version}
 * @param os operating system name, version and architecture
 * @param cpuCount available processors
 * @param device the compute device, for example {@code cpu()} or {@code gpu(0)}
 * @param gitRevision the project's git revision, with {@code -dirty} when tracked files differed
 *                    from it; null when unknown
 */
public record RunEnvironment(
        String javaVersion, String os, int cpuCount, String device, @Nullable String gitRevision) {

    /**
     * The current process's environment. The git revision comes from the environment variable
     * {@code PEFT4J_GIT_REVISION} or, failing that, {@code git rev-parse HEAD} in the working
     * directory, with {@code -dirty} when a tracked file differs from that commit; it is null when
     * neither works.
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

    /**
     * The git revision of the code this process runs, read once: the command line reads it at
     * start-up, so that commits or edits made while a long grid runs do not describe its results.
     */
    public static @Nullable String startRevision() {
        return GitRevision.AT_START;
    }

    /** Read once, on first use. */
    private static final class GitRevision {
        static final @Nullable String AT_START = detectGitRevision();
    }

    private static @Nullable String detectGitRevision() {
        String fromEnvironment = System.getenv("PEFT4J_GIT_REVISION");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.trim();
        }
        return gitRevision(Path.of(""));
    }

    /**
     * {@code git rev-parse HEAD} in {@code directory}, with {@code -dirty} appended when a tracked
     * file differs from that commit (the code that ran is then not the commit's); null outside a
     * repository or without git.
     */
    static @Nullable String gitRevision(Path directory) {
        GitResult head = git(directory, "rev-parse", "HEAD");
        if (head == null || head.exitCode() != 0 || !head.output().matches("[0-9a-f]{40}")) {
            return null;
        }
        // exit code 1: the working tree or the index differs from HEAD
        GitResult diff = git(directory, "diff", "--quiet", "HEAD", "--");
        return diff != null && diff.exitCode() == 1 ? head.output() + "-dirty" : head.output();
    }

    private record GitResult(int exitCode, String output) {}

    /** A git command's exit code and trimmed output (small: read after it ends), null when it cannot run or takes over 5 s. */
    private static @Nullable GitResult git(Path directory, String... arguments) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(arguments));
        try {
            Process git = new ProcessBuilder(command).directory(directory.toAbsolutePath().toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!git.waitFor(5, TimeUnit.SECONDS)) {
                git.destroy();
                return null;
            }
            return new GitResult(git.exitValue(), new String(git.getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
