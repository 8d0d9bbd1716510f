package dev.peft4j.harness.task;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One raw record of a data file (a jsonl line or a csv row, as a JSON object) with where it came
 * from, so every conversion error can name the file and line. Csv fields are JSON strings.
 */
public final class SourceRecord {

    private final Path file;
    private final int line;
    private final JsonObject fields;

    /**
     * Creates a record.
     *
     * @param file the file it was read from
     * @param line its 1-based line number (the first line of a multi-line csv row)
     * @param fields its fields
     */
    public SourceRecord(Path file, int line, JsonObject fields) {
        this.file = Objects.requireNonNull(file, "file");
        this.line = line;
        this.fields = Objects.requireNonNull(fields, "fields");
    }

    /** The file the record was read from. */
    public Path getFile() {
        return file;
    }

    /** The 1-based line the record starts on. */
    public int getLine() {
        return line;
    }

    /** The record's fields. */
    public JsonObject getFields() {
        return fields;
    }

    /** {@code file:line}, for messages. */
    public String getLocation() {
        return file + ":" + line;
    }

    /** Whether the record has a non-null field of this name. */
    public boolean has(String field) {
        JsonElement value = fields.get(field);
        return value != null && !value.isJsonNull();
    }

    /** A field as text (strings, numbers and booleans alike). */
    public String getString(String field) {
        return asString(require(fields, field, ""), field, "");
    }

    /** A field as an integer. */
    public int getInt(String field) {
        JsonElement value = require(fields, field, "");
        try {
            return value.getAsInt();
        } catch (RuntimeException e) {
            throw fail("field '" + field + "' should be an integer but is " + value, e);
        }
    }

    /** A nested object field. */
    public JsonObject getObject(JsonObject parent, String field, String path) {
        JsonElement value = require(parent, field, path);
        if (!value.isJsonObject()) {
            throw fail("field '" + path + field + "' should be an object but is " + abbreviate(value), null);
        }
        return value.getAsJsonObject();
    }

    /** A nested array field. */
    public JsonArray getArray(JsonObject parent, String field, String path) {
        JsonElement value = require(parent, field, path);
        if (!value.isJsonArray()) {
            throw fail("field '" + path + field + "' should be an array but is " + abbreviate(value), null);
        }
        return value.getAsJsonArray();
    }

    /** A nested field as text. */
    public String getString(JsonObject parent, String field, String path) {
        return asString(require(parent, field, path), field, path);
    }

    /** A nested field as an integer. */
    public int getInt(JsonObject parent, String field, String path) {
        JsonElement value = require(parent, field, path);
        try {
            return value.getAsInt();
        } catch (RuntimeException e) {
            throw fail("field '" + path + field + "' should be an integer but is " + abbreviate(value), e);
        }
    }

    /** A {@link DataFormatException} that names this record's file and line. */
    public DataFormatException fail(String what, @Nullable Throwable cause) {
        return new DataFormatException(getLocation() + ": " + what + ".", cause);
    }

    private JsonElement require(JsonObject parent, String field, String path) {
        JsonElement value = parent.get(field);
        if (value == null || value.isJsonNull()) {
            throw fail("missing field '" + path + field + "' (fields here: " + parent.keySet()
                    + "); check that the file belongs to this task", null);
        }
        return value;
    }

    private String asString(JsonElement value, String field, String path) {
        if (!value.isJsonPrimitive()) {
            throw fail("field '" + path + field + "' should be text but is " + abbreviate(value), null);
        }
        return value.getAsString();
    }

    private static String abbreviate(JsonElement value) {
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    @Override
    public String toString() {
        return getLocation() + " " + abbreviate(fields);
    }
}
