package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing and reading an export folder: written as a whole; every file checked, and the files checked against each other. No model needed. */
class ExportFolderTest {

    @TempDir
    Path temp;

    private static ExportFolder withHead(ExportFolder export, float[] weight, float[] bias, List<String> labels) {
        ExportFolder.Settings s = export.settings();
        return new ExportFolder(export.adapter(), weight, bias, new ExportFolder.Settings(s.task(), labels,
                s.backbone(), s.maxLength(), s.method(), s.options(), s.runId(), s.metric(), s.bestMetric()));
    }

    private static Path settingsFile(Path folder) {
        return folder.resolve(ExportFolder.SETTINGS_FILE);
    }

    @Test
    void aWrittenExportReadsBackWithItsFileDigests() throws Exception {
        ExportFolder export = Exports.random(4, 1);
        Path folder = Exports.write(export, temp.resolve("export"));

        ExportFolder read = ExportFolder.read(folder);

        assertThat(read.headWeight()).isEqualTo(export.headWeight());
        assertThat(read.headBias()).isEqualTo(export.headBias());
        assertThat(read.settings()).isEqualTo(export.settings());
        JsonObject json = JsonParser.parseString(Files.readString(settingsFile(folder))).getAsJsonObject();
        assertThat(json.getAsJsonObject("sha256").keySet())
                .containsExactlyInAnyOrder(PromptAdapterFiles.WEIGHTS_FILE, ExportFolder.HEAD_FILE);
    }

    @Test
    void aHeadWithNonFiniteValuesIsRefused() {
        ExportFolder export = Exports.random(4, 2);
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] weight = export.headWeight().clone();
            weight[5] = bad;
            Path folder = Exports.write(withHead(export, weight, export.headBias(), Exports.LABELS),
                    temp.resolve("weight-" + bad));
            assertThatThrownBy(() -> ExportFolder.read(folder))
                    .isInstanceOf(PromptFormatException.class)
                    .hasMessageContaining(folder.resolve(ExportFolder.HEAD_FILE).toString())
                    .hasMessageContaining("non-finite value (" + bad + ") in 'weight'");

            float[] bias = export.headBias().clone();
            bias[2] = bad;
            Path biased = Exports.write(withHead(export, export.headWeight(), bias, Exports.LABELS),
                    temp.resolve("bias-" + bad));
            assertThatThrownBy(() -> ExportFolder.read(biased))
                    .isInstanceOf(PromptFormatException.class)
                    .hasMessageContaining("non-finite value (" + bad + ") in 'bias'");
        }
    }

    @Test
    void aLabelCountOtherThanTheHeadsRowsIsRefused() {
        ExportFolder export = Exports.random(4, 3);
        Path folder = Exports.write(withHead(export, export.headWeight(), export.headBias(), List.of("yes", "no")),
                temp.resolve("two-labels"));

        assertThatThrownBy(() -> ExportFolder.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("head with 3 outputs but peft4j.json lists 2 labels [yes, no]");
    }

    @Test
    void filesFromAnotherExportAreRefusedNamingTheFile() throws Exception {
        Path first = Exports.write(Exports.random(4, 4), temp.resolve("first"));
        Path second = Exports.write(Exports.random(4, 5), temp.resolve("second"));
        Files.copy(second.resolve(ExportFolder.HEAD_FILE), first.resolve(ExportFolder.HEAD_FILE),
                StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> ExportFolder.read(first))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(first.resolve(ExportFolder.HEAD_FILE).toString())
                .hasMessageContaining("does not belong to this export")
                .hasMessageContaining("SHA-256");

        Path third = Exports.write(Exports.random(4, 6), temp.resolve("third"));
        Files.copy(second.resolve(PromptAdapterFiles.WEIGHTS_FILE), third.resolve(PromptAdapterFiles.WEIGHTS_FILE),
                StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> ExportFolder.read(third))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(third.resolve(PromptAdapterFiles.WEIGHTS_FILE).toString())
                .hasMessageContaining("does not belong to this export");
    }

    @Test
    void anExportWithoutDigestsStillLoads() throws Exception {
        ExportFolder export = Exports.random(4, 7);
        Path folder = Exports.write(export, temp.resolve("old"));
        JsonObject json = JsonParser.parseString(Files.readString(settingsFile(folder))).getAsJsonObject();
        json.remove("sha256");
        Files.writeString(settingsFile(folder), json.toString());

        assertThat(ExportFolder.read(folder).headBias()).isEqualTo(export.headBias());
    }

    @Test
    void aHeadWhoseTensorsOverlapIsRefused() throws Exception {
        Path folder = Exports.write(Exports.random(4, 8), temp.resolve("overlap"));
        // weight and bias both at offset 0: the bias would read the first three weights
        String header = "{\"weight\":{\"dtype\":\"F32\",\"shape\":[3,384],\"data_offsets\":[0,4608]},"
                + "\"bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + 4608).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json);
        Files.write(folder.resolve(ExportFolder.HEAD_FILE), bytes.array());
        // digests would refuse the edited file anyway; test the layout check on its own
        JsonObject settings = JsonParser.parseString(Files.readString(settingsFile(folder))).getAsJsonObject();
        settings.remove("sha256");
        Files.writeString(settingsFile(folder), settings.toString());

        assertThatThrownBy(() -> ExportFolder.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(folder.resolve(ExportFolder.HEAD_FILE).toString())
                .hasMessageContaining("'bias'").hasMessageContaining("'weight'").hasMessageContaining("overlap");
    }

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
