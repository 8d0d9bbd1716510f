package dev.peft4j.backbones.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.peft4j.backbones.BackboneException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a TensorFlow checkpoint in the TensorBundle format ({@code variables.index} and one
 * {@code variables.data-00000-of-00001} shard) with no TensorFlow dependency.
 *
 * <p>The index is a LevelDB table (SSTable): a 48-byte footer (metaindex and index block handles,
 * then the magic {@code 0xdb4775248b80fb57}), an index block whose entries point at data blocks,
 * and data blocks of prefix-compressed keys. Each block is followed by a type byte (0 =
 * uncompressed; Snappy is refused) and a masked CRC32C of the block and that byte. The empty key
 * holds a {@code BundleHeaderProto}; every other key is a tensor name whose value is a
 * {@code BundleEntryProto} (dtype 1, shape 2, shard_id 3, offset 4, size 5, crc32c 6 as fixed32,
 * slices 7). Proto3 omits zero fields, so a missing offset or shard id is 0. All integers are
 * little-endian. Field numbers follow {@code tensorflow/core/protobuf/tensor_bundle.proto}.
 *
 * <p>Every block CRC and every tensor CRC is verified; errors name the file and the tensor.
 */
public final class TensorBundle {

    /** The LevelDB table magic number, the footer's last 8 bytes (little-endian). */
    static final long TABLE_MAGIC = 0xdb4775248b80fb57L;
    private static final int FOOTER_SIZE = 48;
    private static final int BLOCK_TRAILER_SIZE = 5;
    private static final int DT_FLOAT = 1;
    private static final int MASK_DELTA = 0xa282ead8;

    private TensorBundle() {}

    /**
     * One tensor of the bundle: where its float32 bytes lie in the data shard.
     *
     * @param name   the checkpoint name, e.g. {@code module/bert/embeddings/word_embeddings}
     * @param shape  the dimensions, row-major
     * @param offset the byte offset in the data shard
     * @param size   the byte count, 4 × the number of values
     * @param crc32c the masked CRC32C of those bytes
     */
    public record Entry(String name, long[] shape, long offset, long size, int crc32c) {
        /** The number of float values. */
        public long count() {
            return size / Float.BYTES;
        }
    }

    /** Receives the tensors of {@link #readData} in data order. */
    public interface TensorSink {
        /**
         * The buffer to read {@code entry}'s bytes into: direct or not, with at least
         * {@code entry.size()} bytes remaining; it is filled from its position.
         */
        ByteBuffer bufferFor(Entry entry);

        /** The tensor's bytes, CRC-checked, from position 0 to the limit, little-endian. */
        void accept(Entry entry, ByteBuffer data);
    }

    /** LevelDB's masked CRC: rotate right by 15 and add a constant (mod 2^32). */
    public static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    /**
     * The tensors of a bundle index, in key order.
     *
     * @param index  the whole {@code variables.index} file
     * @param source the file's name, for messages
     * @throws BackboneException when the table is truncated, fails a CRC, is compressed, or holds
     *                           tensors that are not single-shard float32
     */
    public static List<Entry> readIndex(byte[] index, String source) {
        try {
            return parseIndex(index, source);
        } catch (IOException | IndexOutOfBoundsException | IllegalArgumentException e) {
            throw corrupt(source, e.getMessage());
        }
    }

    private static List<Entry> parseIndex(byte[] index, String source) throws IOException {
        if (index.length < FOOTER_SIZE) {
            throw corrupt(source, "the file has " + index.length + " bytes, fewer than the 48-byte table footer");
        }
        ByteBuffer file = ByteBuffer.wrap(index).order(ByteOrder.LITTLE_ENDIAN);
        int footer = index.length - FOOTER_SIZE;
        if (file.getLong(footer + 40) != TABLE_MAGIC) {
            throw corrupt(source, "the footer has no LevelDB table magic; it is not a TensorBundle index");
        }
        int[] position = {footer};
        readHandle(index, position); // the metaindex: filters only, not needed
        long[] indexHandle = readHandle(index, position);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (byte[][] handleEntry : blockEntries(block(index, indexHandle, source, "index block"), source)) {
            int[] at = {0};
            long[] dataHandle = readHandle(handleEntry[1], at);
            for (byte[][] entry : blockEntries(block(index, dataHandle, source, "data block"), source)) {
                entries.put(new String(entry[0], StandardCharsets.UTF_8), entry[1]);
            }
        }
        byte[] header = entries.remove("");
        if (header == null) {
            throw corrupt(source, "the table has no bundle header (the entry with the empty key)");
        }
        checkHeader(header, source);
        List<Entry> tensors = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
            tensors.add(parseEntry(entry.getKey(), entry.getValue(), source));
        }
        return tensors;
    }

    private static BackboneException corrupt(String source, String what) {
        return new BackboneException("The checkpoint index " + source + " is corrupt: " + what
                + ". Re-download the artifact (delete it from the local Maven repository, ~/.m2) and try again.");
    }

    /** A block's contents after checking its trailer (type 0 and the masked CRC32C). */
    private static byte[] block(byte[] file, long[] handle, String source, String what) {
        long offset = handle[0];
        long size = handle[1];
        if (offset < 0 || size < 0 || offset + size + BLOCK_TRAILER_SIZE > file.length) {
            throw corrupt(source, "the " + what + " at " + offset + " (" + size + " bytes) lies past the end of "
                    + "the " + file.length + "-byte file");
        }
        int start = (int) offset;
        int end = (int) (offset + size);
        byte type = file[end];
        CRC32C crc = new CRC32C();
        crc.update(file, start, (int) size + 1);
        int stored = ByteBuffer.wrap(file, end + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (mask((int) crc.getValue()) != stored) {
            throw corrupt(source, "the " + what + " at " + offset + " fails its CRC32C check");
        }
        if (type != 0) {
            throw corrupt(source, "the " + what + " at " + offset + " is compressed (type " + type
                    + "); only uncompressed tables are read");
        }
        return Arrays.copyOfRange(file, start, end);
    }

    /** The (key, value) pairs of a block, prefix compression undone. */
    private static List<byte[][]> blockEntries(byte[] block, String source) {
        if (block.length < 4) {
            throw corrupt(source, "a block of " + block.length + " bytes has no restart count");
        }
        ByteBuffer buffer = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
        long restarts = Integer.toUnsignedLong(buffer.getInt(block.length - 4));
        long limit = block.length - 4 - 4 * restarts;
        if (restarts < 1 || limit < 0) {
            throw corrupt(source, "a block's restart array (" + restarts + " restarts) does not fit its "
                    + block.length + " bytes");
        }
        List<byte[][]> entries = new ArrayList<>();
        byte[] previous = new byte[0];
        int[] position = {0};
        while (position[0] < limit) {
            long shared = readVarint(block, position);
            long unshared = readVarint(block, position);
            long valueLength = readVarint(block, position);
            if (shared > previous.length || position[0] + unshared + valueLength > limit) {
                throw corrupt(source, "a block entry at byte " + position[0] + " has inconsistent lengths");
            }
            byte[] key = Arrays.copyOf(previous, (int) (shared + unshared));
            System.arraycopy(block, position[0], key, (int) shared, (int) unshared);
            position[0] += (int) unshared;
            byte[] value = Arrays.copyOfRange(block, position[0], position[0] + (int) valueLength);
            position[0] += (int) valueLength;
            entries.add(new byte[][] {key, value});
            previous = key;
        }
        return entries;
    }

    private static long[] readHandle(byte[] bytes, int[] position) {
        return new long[] {readVarint(bytes, position), readVarint(bytes, position)};
    }

    /** A base-128 varint, low group first, into a long. */
    private static long readVarint(byte[] bytes, int[] position) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position[0] >= bytes.length) {
                throw new IllegalArgumentException("a varint runs past the end of its block");
            }
            byte b = bytes[position[0]++];
            result |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("a varint is longer than 10 bytes");
    }

    private static void checkHeader(byte[] header, String source) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(header);
        long shards = 0;
        int endianness = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> shards = in.readInt32();
                case 2 -> endianness = in.readEnum();
                default -> in.skipField(tag);
            }
        }
        if (shards != 1) {
            throw corrupt(source, "the bundle has " + shards + " data shards; only single-shard checkpoints are read");
        }
        if (endianness != 0) {
            throw corrupt(source, "the bundle is big-endian; only little-endian checkpoints are read");
        }
    }

    private static Entry parseEntry(String name, byte[] value, String source) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(value);
        int dtype = 0;
        long[] shape = new long[0];
        int shard = 0;
        long offset = 0;
        long size = 0;
        int crc = 0;
        boolean hasCrc = false;
        boolean sliced = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> dtype = in.readEnum();
                case 2 -> shape = readShape(in);
                case 3 -> shard = in.readInt32();
                case 4 -> offset = in.readInt64();
                case 5 -> size = in.readInt64();
                case 6 -> {
                    if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_FIXED32) {
                        throw corrupt(source, "tensor '" + name + "' has a crc32c field that is not fixed32");
                    }
                    crc = in.readFixed32();
                    hasCrc = true;
                }
                case 7 -> {
                    sliced = true;
                    in.skipField(tag);
                }
                default -> in.skipField(tag);
            }
        }
        if (dtype != DT_FLOAT) {
            throw corrupt(source, "tensor '" + name + "' has dtype " + dtype + "; only float32 (1) is read");
        }
        if (sliced || shard != 0) {
            throw corrupt(source, "tensor '" + name + "' is partitioned or in shard " + shard
                    + "; only whole tensors in one shard are read");
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw corrupt(source, "tensor '" + name + "' has a negative dimension");
            }
            count = Math.multiplyExact(count, d);
        }
        if (size != count * Float.BYTES || offset < 0) {
            throw corrupt(source, "tensor '" + name + "' of shape " + Arrays.toString(shape) + " records " + size
                    + " bytes at offset " + offset + "; expected " + count * Float.BYTES + " bytes");
        }
        if (!hasCrc) {
            throw corrupt(source, "tensor '" + name + "' has no CRC32C");
        }
        return new Entry(name, shape, offset, size, crc);
    }

    private static long[] readShape(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        List<Long> dims = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 2
                    && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int dimLimit = in.pushLimit(in.readRawVarint32());
                long size = 0;
                while (!in.isAtEnd()) {
                    int dimTag = in.readTag();
                    if (WireFormat.getTagFieldNumber(dimTag) == 1) {
                        size = in.readInt64();
                    } else {
                        in.skipField(dimTag);
                    }
                }
                in.popLimit(dimLimit);
                dims.add(size);
            } else {
                in.skipField(tag);
            }
        }
        in.popLimit(limit);
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Streams the tensors of {@code entries} from the data shard in offset order, checking each
     * CRC before handing it to {@code sink}. Every entry is checked against {@code dataSize} and
     * for overlaps before the first byte is read.
     *
     * @param in       the data shard from its first byte; read, not closed
     * @param dataSize the shard's size in bytes, or -1 when unknown
     * @param entries  the tensors to read (any order)
     * @param source   the shard's name, for messages
     * @throws BackboneException when an entry lies past the data, the data is truncated, or a
     *                           tensor fails its CRC
     */
    public static void readData(InputStream in, long dataSize, List<Entry> entries, String source, TensorSink sink) {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparingLong(Entry::offset));
        long end = 0;
        for (Entry entry : ordered) {
            if (entry.offset() < end) {
                throw dataError(source, "tensor '" + entry.name() + "' at offset " + entry.offset()
                        + " overlaps the tensor before it (which ends at " + end + ")");
            }
            end = entry.offset() + entry.size();
            if (dataSize >= 0 && end > dataSize) {
                throw dataError(source, "tensor '" + entry.name() + "' needs bytes [" + entry.offset() + ", " + end
                        + ") but the data file has only " + dataSize + " bytes");
            }
        }
        long position = 0;
        CRC32C crc = new CRC32C();
        byte[] chunk = new byte[1 << 16];
        for (Entry entry : ordered) {
            try {
                in.skipNBytes(entry.offset() - position);
                ByteBuffer target = sink.bufferFor(entry);
                int start = target.position();
                long remaining = entry.size();
                while (remaining > 0) {
                    int n = in.read(chunk, 0, (int) Math.min(chunk.length, remaining));
                    if (n < 0) {
                        throw new EOFException();
                    }
                    target.put(chunk, 0, n);
                    remaining -= n;
                }
                position = entry.offset() + entry.size();
                ByteBuffer data = target.flip().position(start).slice().order(ByteOrder.LITTLE_ENDIAN);
                crc.reset();
                crc.update(data.duplicate());
                if (mask((int) crc.getValue()) != entry.crc32c()) {
                    throw dataError(source, "tensor '" + entry.name() + "' fails its CRC32C check");
                }
                sink.accept(entry, data);
            } catch (EOFException e) {
                throw dataError(source, "the file ends before tensor '" + entry.name() + "' (bytes ["
                        + entry.offset() + ", " + (entry.offset() + entry.size()) + ")) is complete; it is truncated");
            } catch (IOException e) {
                throw new BackboneException("Cannot read the checkpoint data " + source + " at tensor '" + entry.name()
                        + "': " + e + ". Re-download the artifact and try again.", e);
            }
        }
    }

    private static BackboneException dataError(String source, String what) {
        return new BackboneException("The checkpoint data " + source + " is corrupt: " + what
                + ". Re-download the artifact (delete it from the local Maven repository, ~/.m2) and try again.");
    }
}
