package dev.peft4j.harness.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Where a run ran, so results can be compared honestly.
 *
 * @param javaVersion {@code java.version}
 * @param os operating system name, version and architecture
 * @param cpuCount available processors
 * @param device the compute device, for example {@code cpu()} or {@code gpu(0)}
 * @param gitRevision the project's git revision, with {@code -dirty} when its code differed from
 *                    that commit; null when unknown
 */
public record RunEnvironment(
        String javaVersion, String os, int cpuCount, String device, @Nullable String gitRevision) {

    /**
     * The current process's environment. The git revision comes from the environment variable
     * {@code PEFT4J_GIT_REVISION} or, failing that, from git in the folder named by the system
     * property {@code peft4j.checkout} (the {@code peft4j} launcher sets it to the checkout it runs
     * from) or else the working directory: {@code git rev-parse HEAD}, with {@code -dirty} when
     * code that goes into the jar ({@code src/main} or a {@code pom.xml}) differs from that commit or
     * is not committed yet; it is null when neither works. It is read once per process, see
     * {@link #startRevision()}.
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
     * The git revision of the code this process runs, read on the first call: a trainer reads it
     * when it is built, so that commits or edits made while a long grid runs do not describe its
     * results.
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
        return gitRevision(Path.of(System.getProperty("peft4j.checkout", "")));
    }

    /** The code that goes into the jar: what a difference from HEAD makes a revision dirty. */
    private static final List<String> CODE = List.of(":(glob)**/src/main/**", ":(glob)**/pom.xml");

    /**
     * {@code git rev-parse HEAD} in {@code directory}, with {@code -dirty} appended when code that
     * goes into the jar differs from that commit, staged or not, or is new and untracked (the code
     * that ran is then not the commit's); null outside a repository or without git. Results and
     * other files do not count.
     */
    static @Nullable String gitRevision(Path directory) {
        GitResult head = git(directory, "rev-parse", "HEAD");
        if (head == null || head.exitCode() != 0 || !head.output().matches("[0-9a-f]{40}")) {
            return null;
        }
        List<String> status = new ArrayList<>(List.of("status", "--porcelain", "--untracked-files=all", "--"));
        status.addAll(CODE);
        GitResult changes = git(directory, status.toArray(String[]::new));
        return changes != null && changes.exitCode() == 0 && !changes.output().isEmpty()
                ? head.output() + "-dirty" : head.output();
    }

    private record GitResult(int exitCode, String output) {}

    /** A git command's exit code and trimmed output, null when it cannot run or takes over 5 s. */
    private static @Nullable GitResult git(Path directory, String... arguments) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toAbsolutePath().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        // inside a git hook these point at another repository
        builder.environment().keySet().removeAll(List.of("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"));
        try {
            Process git = builder.start();
            // read before waiting: a long status must not fill the pipe and stall git
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return git.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            if (!git.waitFor(5, TimeUnit.SECONDS)) {
                git.destroyForcibly();
                return null;
            }
            return new GitResult(git.exitValue(), new String(output.join(), StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
