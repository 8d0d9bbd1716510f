package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptAdapterFilesTest {

    private static final PromptShape SHAPE = new PromptShape(3, 4);

    @TempDir
    Path temp;

    private static PromptAdapter adapter(float... values) {
        return new PromptAdapter(AdapterConfig.promptTuning(SHAPE, 6, 12, "all-minilm-l6-v2"),
                new PromptEmbeddings(SHAPE, values));
    }

    /** Values that a lossy codec would change: signed zero, a subnormal, extremes, thirds. */
    private static PromptAdapter tricky() {
        return adapter(-0.0f, 0.0f, Float.MIN_VALUE, -Float.MIN_VALUE,
                Float.MAX_VALUE, -Float.MAX_VALUE, 1f / 3, -2f / 3,
                Float.MIN_NORMAL, 1e-30f, 123456.789f, -1f);
    }

    private Path written(PromptAdapter adapter) {
        Path folder = temp.resolve("adapter");
        PromptAdapterFiles.write(folder, adapter);
        return folder;
    }

    private static Path weights(Path folder) {
        return folder.resolve(PromptAdapterFiles.WEIGHTS_FILE);
    }

    private static Path config(Path folder) {
        return folder.resolve(PromptAdapterFiles.CONFIG_FILE);
    }

    /** A safetensors file made by hand: 8-byte little-endian header length, JSON header, data. */
    private static byte[] safetensors(String header, byte[] data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json).put(data);
        return buffer.array();
    }

    private static byte[] floats(int count) {
        ByteBuffer buffer = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            buffer.putFloat(i);
        }
        return buffer.array();
    }

    @Test
    void roundTripIsBitIdentical() throws IOException {
        PromptAdapter original = tricky();
        Path folder = written(original);

        PromptAdapter read = PromptAdapterFiles.read(folder);

        assertThat(read.config()).isEqualTo(original.config());
        float[] expected = original.embeddings().values();
        float[] actual = read.embeddings().values();
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("value %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
        Path again = temp.resolve("again");
        PromptAdapterFiles.write(again, read);
        assertThat(Files.readAllBytes(weights(again))).isEqualTo(Files.readAllBytes(weights(folder)));
        assertThat(Files.readAllBytes(config(again))).isEqualTo(Files.readAllBytes(config(folder)));
    }

    @Test
    void writesTheHuggingFacePeftLayout() throws IOException {
        Path folder = written(tricky());

        String configText = Files.readString(config(folder));
        assertThat(configText).contains("\"peft_type\": \"PROMPT_TUNING\"", "\"num_virtual_tokens\": 3",
                "\"token_dim\": 4", "\"task_type\": \"FEATURE_EXTRACTION\"", "\"base_model_name_or_path\": \"all-minilm-l6-v2\"");
        byte[] bytes = Files.readAllBytes(weights(folder));
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertThat(header).contains("\"prompt_embeddings\"", "\"F32\"", "[3,4]");
        assertThat(bytes.length - 8 - headerLength).isEqualTo(3 * 4 * 4);
    }

    @Test
    void rewritingReplacesTheFilesLeavesOthersAndNoTemporaryFiles() throws IOException {
        Path folder = written(tricky());
        Files.writeString(folder.resolve("head.json"), "{}");

        PromptAdapter second = adapter(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        PromptAdapterFiles.write(folder, second);

        assertThat(PromptAdapterFiles.read(folder)).isEqualTo(second);
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("head.json", PromptAdapterFiles.CONFIG_FILE, PromptAdapterFiles.WEIGHTS_FILE);
        }
    }

    @Test
    void aMissingFolderIsReported() {
        Path missing = temp.resolve("nowhere");

        assertThatThrownBy(() -> PromptAdapterFiles.read(missing))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageStartingWith("Prompt adapter folder " + missing + " does not exist or is not a folder.")
                .hasMessageContaining("adapter_config.json and adapter_model.safetensors");
    }

    @Test
    void aMissingConfigIsReported() throws IOException {
        Path folder = written(tricky());
        Files.delete(config(folder));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(folder + " has no adapter_config.json. A prompt adapter folder holds "
                        + "adapter_config.json and adapter_model.safetensors, as written by export.");
    }

    @Test
    void aMissingWeightsFileIsReported() throws IOException {
        Path folder = written(tricky());
        Files.delete(weights(folder));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(folder + " has no adapter_model.safetensors. A prompt adapter folder holds "
                        + "adapter_config.json and adapter_model.safetensors, as written by export.");
    }

    @Test
    void aConfigOfAnotherAdapterTypeIsNotAPromptAdapter() throws IOException {
        Path folder = written(tricky());
        Files.writeString(config(folder), "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16}");

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(config(folder) + " describes a LORA adapter, not a prompt adapter. "
                        + "peft4j loads adapters with peft_type PROMPT_TUNING or P_TUNING.");
    }

    @Test
    void aConfigWithoutPeftTypeIsReported() throws IOException {
        Path folder = written(tricky());
        Files.writeString(config(folder), "{\"num_virtual_tokens\": 3, \"token_dim\": 4}");

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(config(folder) + " has no peft_type, so it is not a PEFT adapter config. "
                        + "peft4j loads adapters with peft_type PROMPT_TUNING or P_TUNING.");
    }

    @Test
    void invalidJsonIsReported() throws IOException {
        Path folder = written(tricky());
        Files.writeString(config(folder), "{\"peft_type\": \"PROMPT_TUNING\", ");

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageStartingWith(config(folder) + " is not a JSON object: ");
        Files.writeString(config(folder), "[1, 2]");
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .hasMessageStartingWith(config(folder) + " is not a JSON object: ");
    }

    @Test
    void missingOrBadSizesInTheConfigAreReported() throws IOException {
        Path folder = written(tricky());
        Files.writeString(config(folder), "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 0, \"token_dim\": 4}");

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(config(folder) + ": field 'num_virtual_tokens' must be a positive integer, got 0");
        Files.writeString(config(folder), "{\"peft_type\": \"PROMPT_TUNING\", \"num_virtual_tokens\": 3}");
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .hasMessage(config(folder) + ": field 'token_dim' must be a positive integer, got null");
    }

    @Test
    void aTruncatedTensorFileIsReported() throws IOException {
        Path folder = written(tricky());
        byte[] bytes = Files.readAllBytes(weights(folder));
        Files.write(weights(folder), Arrays.copyOf(bytes, bytes.length - 5));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(weights(folder) + " is corrupt or truncated: tensor 'prompt_embeddings' ends at data byte 48 "
                        + "but the file holds only 43 (the file is truncated). Re-export the prompt; do not edit this "
                        + "file by hand.");
        Files.write(weights(folder), Arrays.copyOf(bytes, 5));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .hasMessageContaining("it has 5 bytes, fewer than the 8-byte header length");
        Files.write(weights(folder), Arrays.copyOf(bytes, 20));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .hasMessageContaining("is corrupt or truncated: its header claims");
    }

    @Test
    void aCorruptHeaderIsReported() throws IOException {
        Path folder = written(tricky());
        byte[] bytes = Files.readAllBytes(weights(folder));
        for (int i = 8; i < 14; i++) {
            bytes[i] = '#';
        }
        Files.write(weights(folder), bytes);

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageStartingWith(weights(folder) + " is corrupt or truncated: its header is not valid JSON");
    }

    @Test
    void aHeaderEntryWithoutDtypeOrShapeIsReported() throws IOException {
        Path folder = written(tricky());
        Files.write(weights(folder), safetensors(
                "{\"prompt_embeddings\":{\"shape\":[3,4],\"data_offsets\":[0,48]}}", floats(12)));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("is corrupt or truncated: tensor 'prompt_embeddings' has no valid dtype, shape or data_offsets");
        Files.write(weights(folder), safetensors(
                "{\"prompt_embeddings\":{\"dtype\":\"F32\",\"data_offsets\":[0,48]}}", floats(12)));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("tensor 'prompt_embeddings' has no valid dtype, shape or data_offsets");
    }

    @Test
    void aByteRangeThatDoesNotFitTheShapeIsReported() throws IOException {
        Path folder = written(tricky());
        Files.write(weights(folder), safetensors(
                "{\"prompt_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,4],\"data_offsets\":[0,24]}}", floats(6)));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("tensor 'prompt_embeddings' of shape [3,4] needs 48 bytes but its data_offsets "
                        + "span 24");
    }

    @Test
    void overlappingGappedOrOutOfRangeTensorsAreRefusedNamingTheTensor() throws IOException {
        Path folder = written(tricky());
        // both tensors at offset 0: every byte read twice, the file decodes anyway without the check
        Files.write(weights(folder), safetensors("{\"prompt_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,4],"
                + "\"data_offsets\":[0,48]},\"extra\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                floats(12)));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageStartingWith(weights(folder) + " is corrupt or truncated: ")
                .hasMessageContaining("'extra'").hasMessageContaining("'prompt_embeddings'")
                .hasMessageContaining("overlap");

        Files.write(weights(folder), safetensors("{\"prompt_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,4],"
                + "\"data_offsets\":[8,56]},\"extra\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                floats(14)));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("bytes 4..8").hasMessageContaining("no tensor");

        Files.write(weights(folder), safetensors("{\"prompt_embeddings\":{\"dtype\":\"F32\",\"shape\":[3,4],"
                + "\"data_offsets\":[48,96]}}", floats(12)));
        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("tensor 'prompt_embeddings' ends at data byte 96 but the file holds only 48");
    }

    @Test
    void aTensorUnderAnotherKeyIsReported() throws IOException {
        Path folder = written(tricky());
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray array = manager.zeros(new Shape(3, 4));
            array.setName("weight");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            new NDList(array).encode(out, NDList.Encoding.SAFETENSORS);
            Files.write(weights(folder), out.toByteArray());
        }

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(weights(folder) + " has no tensor 'prompt_embeddings'; it holds [weight]. "
                        + "A prompt adapter stores P' under 'prompt_embeddings'.");
    }

    @Test
    void anotherDtypeIsReported() throws IOException {
        Path folder = written(tricky());
        Files.write(weights(folder), safetensors(
                "{\"prompt_embeddings\":{\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[0,24]}}", new byte[24]));

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(weights(folder) + ": 'prompt_embeddings' is F16; peft4j reads F32 prompts");
    }

    @Test
    void aShapeOtherThanTheConfigsIsReported() throws IOException {
        Path folder = written(tricky());
        PromptAdapterFiles.write(temp.resolve("other"), new PromptAdapter(
                AdapterConfig.promptTuning(new PromptShape(2, 4), 6, 12, null), new PromptEmbeddings(
                        new PromptShape(2, 4), new float[8])));
        Files.copy(weights(temp.resolve("other")), weights(folder), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(weights(folder) + ": 'prompt_embeddings' has shape [2,4] but adapter_config.json declares "
                        + "[3, 4] (num_virtual_tokens, token_dim). The two files do not belong together.");
    }

    @Test
    void nonFiniteValuesAreReported() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Path folder = temp.resolve("bad-" + bad);
            PromptAdapterFiles.write(folder, adapter(0, 1, 2, 3, 4, bad, 6, 7, 8, 9, 10, 11));

            assertThatThrownBy(() -> PromptAdapterFiles.read(folder))
                    .isInstanceOf(PromptFormatException.class)
                    .hasMessage(weights(folder) + " holds a non-finite value (" + bad
                            + ") in 'prompt_embeddings'; the prompt is unusable, re-export it.");
        }
    }

    @Test
    void aConfigAndValuesOfDifferentShapesCannotFormAnAdapter() {
        assertThatThrownBy(() -> new PromptAdapter(AdapterConfig.promptTuning(SHAPE, 6, 12, null),
                        new PromptEmbeddings(new PromptShape(2, 6), new float[12])))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("Adapter config declares a prompt of shape (3, 4) but the embeddings have shape (2, 6)");
    }
}
