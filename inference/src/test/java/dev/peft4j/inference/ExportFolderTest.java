package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export folder is written as a whole: the previous export or the new one, never a mix. */
class ExportFolderTest {

    @TempDir
    Path temp;

    @Test
    void aWriteThatFailsHalfwayLeavesThePreviousExportWhole() {
        Path folder = temp.resolve("export");
        ExportFolder previous = Exports.random(4, 1);
        previous.write(folder);
        ExportFolder other = Exports.random(4, 2);
        // settings that cannot be written (JSON has no NaN), after the prompt and the head
        ExportFolder.Settings s = other.settings();
        ExportFolder broken = new ExportFolder(other.adapter(), other.headWeight(), other.headBias(),
                new ExportFolder.Settings(s.task(), s.labels(), s.backbone(), s.maxLength(), s.method(), s.options(),
                        s.runId(), s.metric(), Double.NaN));

        assertThatThrownBy(() -> broken.write(folder)).isInstanceOf(RuntimeException.class);

        ExportFolder read = ExportFolder.read(folder);
        assertThat(read.getPrompt()).as("the prompt of the previous export, not the new one")
                .isEqualTo(previous.getPrompt());
        assertThat(read.headWeight()).containsExactly(previous.headWeight());
    }

    @Test
    void replacesAnExportAndLeavesNoTemporaryFolder() throws IOException {
        Path folder = temp.resolve("export");
        Exports.random(4, 1).write(folder);
        ExportFolder second = Exports.random(6, 2);

        second.write(folder);

        assertThat(ExportFolder.read(folder).getPrompt()).isEqualTo(second.getPrompt());
        try (Stream<Path> entries = Files.list(temp)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("export");
        }
    }

    @Test
    void refusesToReplaceAFolderHoldingOtherFiles() throws IOException {
        Path folder = temp.resolve("mine");
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("notes.txt"), "keep me");

        assertThatThrownBy(() -> Exports.random(4, 1).write(folder))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("notes.txt")
                .hasMessageContaining("new or empty folder");
        assertThat(folder.resolve("notes.txt")).hasContent("keep me");
    }
}
