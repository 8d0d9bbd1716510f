package dev.peft4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path temp;

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private long filesIn(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.count();
        }
    }

    @Test
    void createsMissingFoldersAndReplacesLeavingNoTemporaryFile() throws IOException {
        Path target = temp.resolve("a/b/result.json");

        AtomicFiles.write(target, bytes("first"));
        AtomicFiles.write(target, bytes("second"));

        assertThat(target).hasContent("second");
        assertThat(filesIn(target.getParent())).isEqualTo(1);
    }

    @Test
    void failedReplaceKeepsTheOldContentAndRemovesTheTemporaryFile() throws IOException {
        Path target = temp.resolve("occupied");
        Files.createDirectories(target.resolve("child"));

        assertThatThrownBy(() -> AtomicFiles.write(target, bytes("new"))).isInstanceOf(IOException.class);

        assertThat(target.resolve("child")).isDirectory();
        assertThat(filesIn(temp)).as("only the occupied folder, no .tmp").isEqualTo(1);
    }

    @Test
    void temporaryFileNamesCarryTheWritersProcessId() throws IOException {
        Path target = temp.resolve("result.json");
        AtomicFiles.write(target, bytes("x"));
        Path folder = temp.resolve("export");
        String[] seen = new String[1];

        AtomicFiles.writeFolder(folder, f -> seen[0] = f.getFileName().toString());

        assertThat(seen[0]).startsWith("export." + AtomicFiles.host() + "." + ProcessHandle.current().pid() + ".")
                .endsWith(".tmp");
    }

    @Test
    void writeFolderReplacesAWholeFolderAndAFailedWriteKeepsTheOldOne() throws IOException {
        Path folder = temp.resolve("export");
        AtomicFiles.writeFolder(folder, f -> {
            Files.write(f.resolve("a"), bytes("old a"));
            Files.write(f.resolve("b"), bytes("old b"));
        });
        AtomicFiles.writeFolder(folder, f -> Files.write(f.resolve("a"), bytes("new a")));

        assertThat(folder.resolve("a")).hasContent("new a");
        assertThat(folder.resolve("b")).as("the folder is replaced, not merged").doesNotExist();

        assertThatThrownBy(() -> AtomicFiles.writeFolder(folder, f -> {
            Files.write(f.resolve("a"), bytes("half"));
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(folder.resolve("a")).hasContent("new a");
        assertThat(filesIn(temp)).as("only the folder, no temporary one").isEqualTo(1);
    }

    @Test
    void removeOrphansLeavesWhatAnotherHostIsWritingInASharedFolder() throws IOException {
        // a results folder on shared storage: a pid of another machine says nothing about this one
        String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        Path otherHost = temp.resolve("run.json.node-17." + Integer.MAX_VALUE + "." + uuid + ".tmp");
        Files.write(otherHost, bytes("being written on node-17"));

        assertThat(AtomicFiles.removeOrphans(temp)).isEmpty();
        assertThat(otherHost).exists();
    }

    @Test
    void removeOrphansRemovesWhatDeadWritersLeftAndNothingElse() throws IOException {
        String dead = AtomicFiles.host() + "." + Integer.MAX_VALUE; // above any pid_max: no such process
        String live = AtomicFiles.host() + "." + ProcessHandle.current().pid();
        String uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        Path deadFile = temp.resolve("run.json." + dead + "." + uuid + ".tmp");
        Path deadFolder = temp.resolve("epoch-0002." + dead + "." + uuid + ".tmp");
        Path liveFile = temp.resolve("run.json." + live + "." + uuid + ".tmp");
        Path legacy = temp.resolve("run.json." + uuid + ".tmp");
        Path displaced = temp.resolve("export." + dead + "." + uuid + ".old");
        Files.write(deadFile, bytes("half"));
        Files.createDirectories(deadFolder.resolve("inner"));
        Files.write(deadFolder.resolve("inner/state.json"), bytes("half"));
        Files.write(liveFile, bytes("being written"));
        Files.write(legacy, bytes("unknown writer"));
        Files.createDirectories(displaced);
        Files.write(displaced.resolve("a"), bytes("previous export"));

        List<Path> removed = AtomicFiles.removeOrphans(temp);

        assertThat(removed).containsExactlyInAnyOrder(deadFile, deadFolder, displaced);
        assertThat(deadFile).doesNotExist();
        assertThat(deadFolder).doesNotExist();
        assertThat(liveFile).as("a live writer's file").exists();
        assertThat(legacy).as("a name without a process id").exists();
        assertThat(temp.resolve("export/a")).as("a folder displaced by a killed replace is put back")
                .hasContent("previous export");
        assertThat(AtomicFiles.removeOrphans(temp.resolve("missing"))).isEmpty();
    }
}
