package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The git revision a run records names the code that ran: a tree with local changes is marked dirty. */
class RunEnvironmentTest {

    private static void git(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git", "-c", "user.name=test", "-c", "user.email=test@example.org"));
        command.addAll(List.of(arguments));
        Process git = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(git.waitFor()).as(String.join(" ", command)).isZero();
    }

    @Test
    void aTrackedFileChangedSinceTheCommitMarksTheRevisionDirty(@TempDir Path repository) throws Exception {
        assertThat(RunEnvironment.gitRevision(repository)).as("not a repository").isNull();

        git(repository, "init", "-q");
        Path source = Files.writeString(repository.resolve("Model.java"), "class Model {}\n");
        git(repository, "add", "Model.java");
        git(repository, "commit", "-q", "-m", "first");
        String clean = RunEnvironment.gitRevision(repository);
        assertThat(clean).matches("[0-9a-f]{40}");

        Files.writeString(repository.resolve("results.json"), "{}");
        assertThat(RunEnvironment.gitRevision(repository)).as("an untracked file is not the code").isEqualTo(clean);

        Files.writeString(source, "class Model { int changed; }\n");
        assertThat(RunEnvironment.gitRevision(repository)).isEqualTo(clean + "-dirty");
        git(repository, "add", "Model.java");
        assertThat(RunEnvironment.gitRevision(repository)).as("staged, not committed").isEqualTo(clean + "-dirty");
    }
}
