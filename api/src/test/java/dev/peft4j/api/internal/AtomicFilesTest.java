package dev.peft4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
