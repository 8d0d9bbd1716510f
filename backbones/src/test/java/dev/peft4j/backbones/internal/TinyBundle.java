package dev.peft4j.backbones.internal;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes a small TensorBundle (index and data) the way TensorFlow does: tensors in key order in one
 * shard, one uncompressed data block with a restart point every {@code restartInterval} entries,
 * an empty metaindex block, an index block and the footer. For the reader's tests.
 */
final class TinyBundle {

    final byte[] index;
    final byte[] data;

    private TinyBundle(byte[] index, byte[] data) {
        this.index = index;
        this.data = data;
    }

    /** A bundle of {@code tensors} (name to shape and values). */
    static TinyBundle of(Map<String, Tensor> tensors, int restartInterval) {
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        TreeMap<String, byte[]> entries = new TreeMap<>();
        entries.put("", header());
        for (Map.Entry<String, Tensor> t : sorted.entrySet()) {
            byte[] bytes = floats(t.getValue().values());
            int crc = maskedCrc(bytes, bytes.length);
            entries.put(t.getKey(), entry(t.getValue().shape(), data.size(), bytes.length, crc));
            data.writeBytes(bytes);
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        List<byte[][]> list = new ArrayList<>();
        entries.forEach((k, v) -> list.add(new byte[][] {k.getBytes(StandardCharsets.UTF_8), v}));
        long[] dataHandle = writeBlock(file, list, restartInterval);
        long[] metaHandle = writeBlock(file, List.of(), 1);
        ByteArrayOutputStream handle = new ByteArrayOutputStream();
        varint(handle, dataHandle[0]);
        varint(handle, dataHandle[1]);
        long[] indexHandle = writeBlock(file, List.<byte[][]>of(new byte[][] {{'n'}, handle.toByteArray()}), 1);
        ByteArrayOutputStream footer = new ByteArrayOutputStream();
        varint(footer, metaHandle[0]);
        varint(footer, metaHandle[1]);
        varint(footer, indexHandle[0]);
        varint(footer, indexHandle[1]);
        footer.writeBytes(new byte[40 - footer.size()]);
        footer.writeBytes(
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(TensorBundle.TABLE_MAGIC).array());
        file.writeBytes(footer.toByteArray());
        return new TinyBundle(file.toByteArray(), data.toByteArray());
    }

    record Tensor(long[] shape, float[] values) {}

    static byte[] floats(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }

    static int maskedCrc(byte[] bytes, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, length);
        return TensorBundle.mask((int) crc.getValue());
    }

    private static byte[] header() {
        return proto(out -> {
            out.writeInt32(1, 1);
            out.writeTag(3, 2);
            out.writeUInt32NoTag(2);
            out.writeInt32(1, 1);
        });
    }

    /** A BundleEntryProto as TensorFlow writes it: zero fields (shard, a zero offset) omitted. */
    private static byte[] entry(long[] shape, long offset, long size, int crc) {
        byte[] shapeProto = proto(out -> {
            for (long d : shape) {
                byte[] dim = proto(o -> o.writeInt64(1, d));
                out.writeByteArray(2, dim);
            }
        });
        return proto(out -> {
            out.writeEnum(1, 1);
            out.writeByteArray(2, shapeProto);
            if (offset != 0) {
                out.writeInt64(4, offset);
            }
            out.writeInt64(5, size);
            out.writeFixed32(6, crc);
        });
    }

    interface ProtoWriter {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] proto(ProtoWriter writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            writer.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long[] writeBlock(ByteArrayOutputStream file, List<byte[][]> entries, int restartInterval) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        List<Integer> restarts = new ArrayList<>();
        byte[] previous = new byte[0];
        for (int i = 0; i < entries.size(); i++) {
            byte[] key = entries.get(i)[0];
            byte[] value = entries.get(i)[1];
            int shared = 0;
            if (i % restartInterval == 0) {
                restarts.add(block.size());
            } else {
                while (shared < Math.min(key.length, previous.length) && key[shared] == previous[shared]) {
                    shared++;
                }
            }
            varint(block, shared);
            varint(block, key.length - shared);
            varint(block, value.length);
            block.write(key, shared, key.length - shared);
            block.writeBytes(value);
            previous = key;
        }
        if (restarts.isEmpty()) {
            restarts.add(0);
        }
        ByteBuffer tail = ByteBuffer.allocate(4 * restarts.size() + 4).order(ByteOrder.LITTLE_ENDIAN);
        restarts.forEach(tail::putInt);
        tail.putInt(restarts.size());
        block.writeBytes(tail.array());
        byte[] contents = block.toByteArray();
        long offset = file.size();
        file.writeBytes(contents);
        byte[] withType = java.util.Arrays.copyOf(contents, contents.length + 1);
        file.write(0);
        file.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(maskedCrc(withType, withType.length)).array());
        return new long[] {offset, contents.length};
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
