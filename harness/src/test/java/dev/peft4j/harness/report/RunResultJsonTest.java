package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunResultJsonTest {

    @Test
    void savingAResultRemovesTheTemporaryFilesOfKilledWritersOnly(@TempDir Path folder) throws IOException {
        String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        Path killed = folder.resolve("other-run.json." + AtomicFiles.host() + "." + Integer.MAX_VALUE + "." + uuid + ".tmp");
        Path live = folder.resolve("other-run.json." + AtomicFiles.host() + "." + ProcessHandle.current().pid() + "." + uuid + ".tmp");
        Files.writeString(killed, "{ half a result");
        Files.writeString(live, "{ being written");
        RunResult run = Runs.fixed().get(0);

        RunResultJson.write(folder.resolve(run.runId() + ".json"), run);

        assertThat(killed).as("left by a process that no longer runs").doesNotExist();
        assertThat(live).as("a live writer's").exists();
        assertThat(RunResultJson.read(folder.resolve(run.runId() + ".json")).runId()).isEqualTo(run.runId());
    }
}
