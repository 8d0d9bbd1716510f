package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git revision a run records names the code that ran: code changed since the commit marks it dirty. */
class RunEnvironmentTest {

    /** Runs git in {@code directory} with no user, system or hook configuration of this machine. */
    private static int git(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=test", "-c", "user.email=test@example.org",
                "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().keySet().removeAll(List.of("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"));
        builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        builder.environment().put("GIT_CONFIG_GLOBAL", "/dev/null");
        return builder.start().waitFor();
    }

    private static boolean gitInstalled(Path directory) {
        try {
            return git(directory, "--version") == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void codeChangedSinceTheCommitMarksTheRevisionDirtyAndResultsDoNot(@TempDir Path repository) throws Exception {
        assumeTrue(gitInstalled(repository), "needs git on the PATH");
        assertThat(RunEnvironment.gitRevision(repository)).as("not a repository").isNull();

        assertThat(git(repository, "init", "-q")).isZero();
        Path source = repository.resolve("src/main/java/Model.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "class Model {}\n");
        Path report = Files.writeString(repository.resolve("summary.md"), "| a |\n");
        assertThat(git(repository, "add", ".")).isZero();
        assertThat(git(repository, "commit", "-q", "-m", "first")).isZero();
        String clean = RunEnvironment.gitRevision(repository);
        assertThat(clean).matches("[0-9a-f]{40}");

        Files.writeString(report, "| b |\n");
        Files.writeString(repository.resolve("results.json"), "{}");
        assertThat(RunEnvironment.gitRevision(repository)).as("results, tracked or not, are not code")
                .isEqualTo(clean);

        Path added = Files.writeString(source.resolveSibling("Added.java"), "class Added {}\n");
        assertThat(RunEnvironment.gitRevision(repository)).as("new code, not committed").isEqualTo(clean + "-dirty");
        Files.delete(added);
        Files.writeString(source, "class Model { int changed; }\n");
        assertThat(RunEnvironment.gitRevision(repository)).isEqualTo(clean + "-dirty");
        assertThat(git(repository, "add", ".")).isZero();
        assertThat(RunEnvironment.gitRevision(repository)).as("staged, not committed").isEqualTo(clean + "-dirty");
    }
}
