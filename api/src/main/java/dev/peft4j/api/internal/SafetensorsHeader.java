package dev.peft4j.api.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.PromptFormatException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked header of a safetensors file. DJL's decoder trusts {@code data_offsets}: tensors
 * that overlap (all at offset 0, say), leave holes or point past the end decode into wrong values
 * or fail deep inside DJL. Every peft4j reader (prompt adapters, task heads, checkpoints, backbone
 * folders) runs this check first, so such a file is refused with its name and the tensor at fault.
 *
 * <p>The rules are the format's own: an 8-byte little-endian header length, a JSON object header
 * (at most 100 MB), and data in which the tensors' byte ranges, sorted, start at 0, follow each
 * other without gap or overlap, end exactly at the end of the file, and each span
 * {@code product(shape) * size(dtype)} bytes.
 *
 * @param file    the file, for messages
 * @param tensors the tensors by name, in data order ({@code __metadata__} left out)
 */
public record SafetensorsHeader(Path file, Map<String, Tensor> tensors) {

    /** The format's limit on the header, which also keeps a corrupt length from allocating gigabytes. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("F64", 8), Map.entry("I64", 8), Map.entry("U64", 8));

    /**
     * One tensor's entry.
     *
     * @param name  its key
     * @param dtype its safetensors dtype ({@code F32}, {@code BF16}, ...)
     * @param shape its dimensions
     * @param begin its first data byte (relative to the end of the header)
     * @param end   one past its last data byte
     */
    public record Tensor(String name, String dtype, List<Long> shape, long begin, long end) {

        /** Copies the shape. */
        public Tensor {
            shape = List.copyOf(shape);
        }
    }

    /** Copies the map. */
    public SafetensorsHeader {
        tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /**
     * Checks the whole content of {@code file}, already in memory.
     *
     * @param remedy what the user should do, appended to every message (e.g. "Re-export the prompt.")
     * @throws PromptFormatException naming the file and, where one is at fault, the tensor
     */
    public static SafetensorsHeader check(Path file, byte[] bytes, String remedy) {
        if (bytes.length < 8) {
            throw corrupt(file, "it has " + bytes.length + " bytes, fewer than the 8-byte header length", remedy);
        }
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        checkHeaderLength(file, headerLength, bytes.length, remedy);
        String json = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        return parse(file, json, bytes.length - 8 - headerLength, remedy);
    }

    /**
     * Checks the header of {@code file} on disk against its size, reading only the header (for
     * files too large to hold twice in memory).
     *
     * @throws PromptFormatException naming the file and, where one is at fault, the tensor
     */
    public static SafetensorsHeader check(Path file, String remedy) {
        try (InputStream stream = Files.newInputStream(file); DataInputStream in = new DataInputStream(stream)) {
            long size = Files.size(file);
            if (size < 8) {
                throw corrupt(file, "it has " + size + " bytes, fewer than the 8-byte header length", remedy);
            }
            byte[] lengthBytes = new byte[8];
            in.readFully(lengthBytes);
            long headerLength = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            checkHeaderLength(file, headerLength, size, remedy);
            byte[] header = new byte[(int) headerLength];
            in.readFully(header);
            return parse(file, new String(header, StandardCharsets.UTF_8), size - 8 - headerLength, remedy);
        } catch (IOException e) {
            throw new PromptFormatException("Cannot read " + file + ": " + e.getMessage() + ". " + remedy, e);
        }
    }

    private static void checkHeaderLength(Path file, long headerLength, long size, String remedy) {
        if (headerLength <= 0 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
            throw corrupt(file, "its header claims " + headerLength + " bytes but the file has " + size, remedy);
        }
    }

    private static SafetensorsHeader parse(Path file, String json, long dataLength, String remedy) {
        JsonObject header;
        try {
            header = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw corrupt(file, "its header is not valid JSON (" + e.getMessage() + ")", remedy);
        }
        List<Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
            if (!entry.getKey().equals("__metadata__")) {
                tensors.add(tensor(file, entry.getKey(), entry.getValue(), remedy));
            }
        }
        for (Tensor t : tensors) {
            if (t.end() > dataLength) {
                throw corrupt(file, "tensor '" + t.name() + "' ends at data byte " + t.end() + " but the file holds only "
                        + dataLength + " (the file is truncated)", remedy);
            }
        }
        tensors.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
        Map<String, Tensor> byName = new LinkedHashMap<>();
        Tensor previous = null;
        for (Tensor t : tensors) {
            long expected = previous == null ? 0 : previous.end();
            if (t.begin() < expected) {
                throw corrupt(file, "tensors '" + previous.name() + "' (data bytes " + range(previous) + ") and '"
                        + t.name() + "' (data bytes " + range(t) + ") overlap", remedy);
            }
            if (t.begin() > expected) {
                throw corrupt(file, "data bytes " + expected + ".." + t.begin() + " before tensor '" + t.name()
                        + "' belong to no tensor", remedy);
            }
            byName.put(t.name(), t);
            previous = t;
        }
        long end = previous == null ? 0 : previous.end();
        if (end != dataLength) {
            throw corrupt(file, "its last " + (dataLength - end) + " data bytes (from byte " + end
                    + ") belong to no tensor", remedy);
        }
        return new SafetensorsHeader(file, byName);
    }

    private static Tensor tensor(Path file, String name, JsonElement value, String remedy) {
        String dtype;
        List<Long> shape = new ArrayList<>();
        long begin;
        long end;
        try {
            JsonObject entry = value.getAsJsonObject();
            dtype = entry.get("dtype").getAsString();
            for (JsonElement dim : entry.getAsJsonArray("shape")) {
                shape.add(dim.getAsLong());
            }
            JsonArray offsets = entry.getAsJsonArray("data_offsets");
            if (offsets.size() != 2) {
                throw new IllegalStateException("two offsets expected");
            }
            begin = offsets.get(0).getAsLong();
            end = offsets.get(1).getAsLong();
        } catch (RuntimeException e) {
            // a missing field reads as null and fails here; report it as corruption, never an NPE
            throw corrupt(file, "tensor '" + name + "' has no valid dtype, shape or data_offsets", remedy);
        }
        if (begin < 0 || end < begin) {
            throw corrupt(file, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "]", remedy);
        }
        Integer size = DTYPE_BYTES.get(dtype);
        if (size != null) {
            String dims = shape.toString().replace(" ", "");
            long bytes = size;
            try {
                for (long dim : shape) {
                    if (dim < 0) {
                        throw corrupt(file, "tensor '" + name + "' has a negative dimension in shape " + dims, remedy);
                    }
                    bytes = Math.multiplyExact(bytes, dim);
                }
            } catch (ArithmeticException e) {
                throw corrupt(file, "tensor '" + name + "' has shape " + dims + ", too large for any file", remedy);
            }
            if (bytes != end - begin) {
                throw corrupt(file, "tensor '" + name + "' of shape " + dims + " needs " + bytes
                        + " bytes but its data_offsets span " + (end - begin), remedy);
            }
        }
        return new Tensor(name, dtype, shape, begin, end);
    }

    private static String range(Tensor t) {
        return t.begin() + ".." + t.end();
    }

    private static PromptFormatException corrupt(Path file, String why, String remedy) {
        return new PromptFormatException(file + " is corrupt or truncated: " + why + ". " + remedy);
    }
}
