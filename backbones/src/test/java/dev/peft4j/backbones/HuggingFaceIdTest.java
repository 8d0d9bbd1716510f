package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Backbones#getHuggingFaceId}: the id Python's {@code from_pretrained} resolves. */
class HuggingFaceIdTest {

    @TempDir
    Path temp;

    @Test
    void knownBackbonesGiveTheirPublishedHubIds() {
        assertThat(Backbones.getHuggingFaceId("all-minilm-l6-v2")).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(Backbones.getHuggingFaceId("ALL-MiniLM-L6-v2")).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(Backbones.getHuggingFaceId("bge-small-en-v1.5")).isEqualTo("BAAI/bge-small-en-v1.5");
        assertThat(Backbones.getHuggingFaceId("e5-small-v2")).isEqualTo("intfloat/e5-small-v2");
        assertThat(Backbones.getHuggingFaceId("bert-base-uncased")).isEqualTo("bert-base-uncased");
        for (String name : Backbones.getKnownNames()) {
            assertThat(Backbones.getHuggingFaceId(name)).as(name).isNotBlank();
        }
    }

    @Test
    void aFolderGivesTheNameOrPathItsConfigRecords() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("my-bert"));
        Files.writeString(folder.resolve("config.json"),
                "{\"_name_or_path\": \"prajjwal1/bert-tiny\", \"model_type\": \"bert\"}");

        assertThat(Backbones.getHuggingFaceId(folder.toString())).isEqualTo("prajjwal1/bert-tiny");
    }

    @Test
    void aFolderWithoutARecordedNameGivesItsOwnName() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("models").resolve("tiny-bert"));
        Files.writeString(folder.resolve("config.json"), "{\"_name_or_path\": \"\", \"model_type\": \"bert\"}");
        Path bare = Files.createDirectories(temp.resolve("bare-bert"));
        Files.writeString(bare.resolve("config.json"), "{\"model_type\": \"bert\"}");

        assertThat(Backbones.getHuggingFaceId(folder.toString())).isEqualTo("tiny-bert");
        assertThat(Backbones.getHuggingFaceId(bare + "/")).isEqualTo("bare-bert");
    }
}
