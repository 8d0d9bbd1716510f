package dev.peft4j.backbones.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.backbones.BackboneException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorBundleTest {

    /** Names with shared prefixes, so prefix compression and restarts are exercised. */
    private static TinyBundle bundle() {
        Map<String, TinyBundle.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("module/bert/embeddings/LayerNorm/beta",
                new TinyBundle.Tensor(new long[] {3}, new float[] {1, 2, 3}));
        tensors.put("module/bert/embeddings/LayerNorm/gamma",
                new TinyBundle.Tensor(new long[] {3}, new float[] {4, 5, 6}));
        tensors.put("module/bert/encoder/layer_0/kernel",
                new TinyBundle.Tensor(new long[] {2, 3}, new float[] {0.5f, -1, 2, 3, 4, 5}));
        tensors.put("module/bert/encoder/layer_10/kernel", new TinyBundle.Tensor(new long[] {1}, new float[] {7}));
        tensors.put("module/cls/predictions/output_bias", new TinyBundle.Tensor(new long[] {2}, new float[] {8, 9}));
        return TinyBundle.of(tensors, 2);
    }

    private static Map<String, float[]> readAll(TinyBundle b, byte[] data, long size) {
        List<TensorBundle.Entry> entries = TensorBundle.readIndex(b.index, "variables.index");
        Map<String, float[]> read = new LinkedHashMap<>();
        TensorBundle.readData(new ByteArrayInputStream(data), size, entries, "variables.data", new Collect(read));
        return read;
    }

    private record Collect(Map<String, float[]> into) implements TensorBundle.TensorSink {
        @Override
        public ByteBuffer bufferFor(TensorBundle.Entry entry) {
            return ByteBuffer.allocateDirect((int) entry.size());
        }

        @Override
        public void accept(TensorBundle.Entry entry, ByteBuffer data) {
            float[] values = new float[(int) entry.count()];
            data.asFloatBuffer().get(values);
            into.put(entry.name(), values);
        }
    }

    @Test
    void readsEntriesInKeyOrderWithProto3DefaultsAndStreamsTheirValues() {
        TinyBundle b = bundle();
        List<TensorBundle.Entry> entries = TensorBundle.readIndex(b.index, "variables.index");

        assertThat(entries).extracting(TensorBundle.Entry::name).containsExactly(
                "module/bert/embeddings/LayerNorm/beta", "module/bert/embeddings/LayerNorm/gamma",
                "module/bert/encoder/layer_0/kernel", "module/bert/encoder/layer_10/kernel",
                "module/cls/predictions/output_bias");
        assertThat(entries.get(0).offset()).isZero(); // written without an offset field
        assertThat(entries.get(2).shape()).containsExactly(2, 3);
        assertThat(entries.get(2).offset()).isEqualTo(24);
        assertThat(entries.get(2).size()).isEqualTo(24);

        Map<String, float[]> read = readAll(b, b.data, b.data.length);
        assertThat(read.get("module/bert/encoder/layer_0/kernel")).containsExactly(0.5f, -1, 2, 3, 4, 5);
        assertThat(read.get("module/cls/predictions/output_bias")).containsExactly(8, 9);
    }

    @Test
    void theMaskMatchesLevelDb() {
        // rotate right by 15, then add 0xa282ead8 modulo 2^32
        assertThat(TensorBundle.mask(0)).isEqualTo(0xa282ead8);
        assertThat(TensorBundle.mask(1 << 15)).isEqualTo(1 + 0xa282ead8);
        assertThat(TensorBundle.mask(1)).isEqualTo((1 << 17) + 0xa282ead8);
    }

    @Test
    void aCorruptIndexBlockFailsItsCrcNamingTheFile() {
        TinyBundle b = bundle();
        byte[] index = b.index.clone();
        index[20] ^= 0x01; // inside the data block's first key
        assertThatThrownBy(() -> TensorBundle.readIndex(index, "variables.index"))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("variables.index").hasMessageContaining("data block")
                .hasMessageContaining("CRC32C");
    }

    @Test
    void aFileWithoutTheTableMagicIsRefused() {
        byte[] index = bundle().index.clone();
        index[index.length - 1] = 0;
        assertThatThrownBy(() -> TensorBundle.readIndex(index, "variables.index"))
                .isInstanceOf(BackboneException.class).hasMessageContaining("magic");
        assertThatThrownBy(() -> TensorBundle.readIndex(new byte[10], "variables.index"))
                .isInstanceOf(BackboneException.class).hasMessageContaining("footer");
    }

    @Test
    void aCorruptTensorFailsItsCrcNamingTheTensorAndFile() {
        TinyBundle b = bundle();
        byte[] data = b.data.clone();
        data[30] ^= 0x01; // in layer_0/kernel
        assertThatThrownBy(() -> readAll(b, data, data.length))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("variables.data").hasMessageContaining("module/bert/encoder/layer_0/kernel")
                .hasMessageContaining("CRC32C");
    }

    @Test
    void truncatedDataIsReported() {
        TinyBundle b = bundle();
        byte[] data = Arrays.copyOf(b.data, b.data.length - 3);
        assertThatThrownBy(() -> readAll(b, data, -1))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("variables.data").hasMessageContaining("truncated")
                .hasMessageContaining("module/cls/predictions/output_bias");
    }

    @Test
    void anEntryPastTheEndOfTheDataIsRefusedBeforeAnyTensorIsRead() {
        TinyBundle b = bundle();
        List<TensorBundle.Entry> entries = TensorBundle.readIndex(b.index, "variables.index");
        Map<String, float[]> sink = new LinkedHashMap<>();
        assertThatThrownBy(() -> TensorBundle.readData(new ByteArrayInputStream(b.data), b.data.length - 4L, entries,
                "variables.data", new Collect(sink)))
                .isInstanceOf(BackboneException.class)
                .hasMessageContaining("variables.data").hasMessageContaining("module/cls/predictions/output_bias")
                .hasMessageContaining("only " + (b.data.length - 4) + " bytes");
        assertThat(sink).isEmpty();
    }
}
