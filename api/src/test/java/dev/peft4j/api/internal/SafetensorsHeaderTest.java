package dev.peft4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PromptFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layout rules, on bytes in memory and on a file read header-only: both give the same answer. */
class SafetensorsHeaderTest {

    private static final String REMEDY = "Write it again.";

    @TempDir
    Path temp;

    private static byte[] file(String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length).put(json).array();
    }

    private SafetensorsHeader both(byte[] bytes) throws Exception {
        Path file = Files.write(temp.resolve("t.safetensors"), bytes);
        SafetensorsHeader inMemory = SafetensorsHeader.check(file, bytes, REMEDY);
        assertThat(SafetensorsHeader.check(file, REMEDY)).isEqualTo(inMemory);
        return inMemory;
    }

    private void refusedBoth(byte[] bytes, String why) throws Exception {
        Path file = Files.write(temp.resolve("t.safetensors"), bytes);
        assertThatThrownBy(() -> SafetensorsHeader.check(file, bytes, REMEDY))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(file + " is corrupt or truncated: " + why + ". " + REMEDY);
        assertThatThrownBy(() -> SafetensorsHeader.check(file, REMEDY))
                .isInstanceOf(PromptFormatException.class)
                .hasMessage(file + " is corrupt or truncated: " + why + ". " + REMEDY);
    }

    @Test
    void tensorsInAnyHeaderOrderComeBackInDataOrderWithoutMetadata() throws Exception {
        SafetensorsHeader header = both(file("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[8,20]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                + "\"a\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", 20));

        assertThat(header.tensors().keySet()).containsExactly("a", "empty", "b");
        assertThat(header.tensors().get("b")).isEqualTo(new SafetensorsHeader.Tensor("b", "F16", List.of(2L, 3L), 8, 20));
    }

    @Test
    void trailingBytesAreRefused() throws Exception {
        refusedBoth(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12),
                "its last 4 data bytes (from byte 8) belong to no tensor");
    }

    @Test
    void aTensorOfTheWrongSizeIsRefused() throws Exception {
        refusedBoth(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "tensor 'a' of shape [3] needs 12 bytes but its data_offsets span 8");
    }

    @Test
    void reversedOffsetsAndHugeShapesAreRefused() throws Exception {
        refusedBoth(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,0]}}", 1),
                "tensor 'a' has data_offsets [1, 0]");
        refusedBoth(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8),
                "tensor 'a' has shape [4294967296,4294967296], too large for any file");
    }

    @Test
    void aHeaderLongerThanTheFileIsRefused() throws Exception {
        byte[] bytes = file("{}", 0);
        bytes[0] = 100;
        refusedBoth(bytes, "its header claims 100 bytes but the file has 10");
    }
}
