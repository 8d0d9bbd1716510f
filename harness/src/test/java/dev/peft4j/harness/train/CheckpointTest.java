package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.peft4j.api.PromptFormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path runFolder;

    @Test
    void tensorsRoundTrip() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3});
            a.setName("a");
            Path folder = Checkpoint.write(runFolder, new Checkpoint("run", 1, 2, 0.5, 1, List.of(), "", 0),
                    new NDList(a));

            NDList read = Checkpoint.read(folder).readTensors(folder, manager);

            assertThat(Checkpoint.read(folder).runId()).isEqualTo("run");
            assertThat(read.get("a").toFloatArray()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void tensorsThatOverlapAreRefusedEvenWithAMatchingDigest() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.create(new float[] {1, 2, 3});
            a.setName("a");
            Path folder = Checkpoint.write(runFolder, new Checkpoint("run", 1, 2, 0.5, 1, List.of(), "", 0), new NDList(a));
            // 'b' reads the bytes of 'a'; the recorded digest is made to match, so only the layout check can tell
            byte[] json = ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}").getBytes(StandardCharsets.UTF_8);
            byte[] data = ByteBuffer.allocate(8 + json.length + 12).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(json.length).put(json).putFloat(1).putFloat(2).putFloat(3).array();
            Path file = folder.resolve(Checkpoint.TENSORS);
            Files.write(file, data);
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            Path meta = folder.resolve(Checkpoint.META);
            Checkpoint old = Checkpoint.read(folder);
            Files.writeString(meta, Files.readString(meta).replace(old.tensorsSha256(), digest));

            assertThatThrownBy(() -> Checkpoint.read(folder).readTensors(folder, manager))
                    .isInstanceOf(PromptFormatException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("'a'").hasMessageContaining("'b'").hasMessageContaining("overlap")
                    .hasMessageContaining("to start the run afresh");
        }
    }
}
