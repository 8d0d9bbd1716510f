package dev.peft4j.harness.task;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.peft4j.api.PeftException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads data files into {@link SourceRecord}s: jsonl (one JSON object a line, blank lines
 * skipped) and csv (RFC 4180: a header row naming the fields, double-quoted fields may hold
 * commas, doubled quotes and line breaks). The format follows the file extension
 * ({@code .jsonl}, {@code .json}, {@code .csv}). A malformed line fails naming file and line.
 */
public final class RecordReader {

    private RecordReader() {}

    /** Reads every record of a jsonl or csv file, in file order. */
    public static List<SourceRecord> read(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return readCsv(file);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return readJsonl(file);
        }
        throw new DataFormatException("Cannot read " + file + ": unknown format. Use a .jsonl "
                + "file (one JSON object a line) or a .csv file with a header row.");
    }

    /** Reads a jsonl file. */
    public static List<SourceRecord> readJsonl(Path file) {
        List<SourceRecord> records = new ArrayList<>();
        try (BufferedReader reader = open(file)) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                JsonElement element;
                try {
                    element = parseStrict(line);
                } catch (JsonParseException | IOException e) {
                    throw new DataFormatException(file + ":" + lineNumber + ": malformed JSON ("
                            + e.getMessage() + "); each line must be one JSON object.", e);
                }
                if (!element.isJsonObject()) {
                    throw new DataFormatException(file + ":" + lineNumber
                            + ": expected a JSON object but found " + kind(element) + ".");
                }
                records.add(new SourceRecord(file, lineNumber, element.getAsJsonObject()));
            }
        } catch (IOException e) {
            throw readFailure(file, e);
        }
        return records;
    }

    /** Reads a csv file with a header row; every field becomes a JSON string. */
    public static List<SourceRecord> readCsv(Path file) {
        List<SourceRecord> records = new ArrayList<>();
        try (BufferedReader reader = open(file)) {
            CsvRows rows = new CsvRows(file, reader);
            List<String> header = rows.next();
            if (header == null) {
                return records;
            }
            for (List<String> row = rows.next(); row != null; row = rows.next()) {
                if (row.size() == 1 && row.get(0).isEmpty()) {
                    continue;
                }
                if (row.size() != header.size()) {
                    throw new DataFormatException(file + ":" + rows.rowStart + ": " + row.size()
                            + " fields but the header " + header + " has " + header.size()
                            + "; quote fields that contain commas.");
                }
                JsonObject fields = new JsonObject();
                for (int i = 0; i < header.size(); i++) {
                    fields.add(header.get(i), new JsonPrimitive(row.get(i)));
                }
                records.add(new SourceRecord(file, rows.rowStart, fields));
            }
        } catch (IOException e) {
            throw readFailure(file, e);
        }
        return records;
    }

    /** Gson's plain parser is lenient (unquoted words pass as strings); data files must be strict JSON. */
    private static JsonElement parseStrict(String line) throws IOException {
        JsonReader reader = new JsonReader(new StringReader(line));
        reader.setStrictness(Strictness.STRICT);
        JsonElement element = JsonParser.parseReader(reader);
        if (reader.peek() != JsonToken.END_DOCUMENT) {
            throw new JsonParseException("text after the JSON value");
        }
        return element;
    }

    private static BufferedReader open(Path file) throws IOException {
        return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    }

    private static PeftException readFailure(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return new PeftException("Data file " + file + " does not exist; check the data folder "
                    + "(flag or PEFT4J_DATA).", e);
        }
        return new PeftException("Cannot read data file " + file + ": " + e.getMessage(), e);
    }

    private static String kind(JsonElement element) {
        if (element.isJsonArray()) {
            return "an array";
        }
        return element.isJsonNull() ? "null" : "a plain value";
    }

    /** Splits csv text into rows, tracking the line each row starts on. */
    private static final class CsvRows {
        private final Path file;
        private final BufferedReader reader;
        private int line;
        int rowStart;

        CsvRows(Path file, BufferedReader reader) {
            this.file = file;
            this.reader = reader;
        }

        @org.jspecify.annotations.Nullable
        List<String> next() throws IOException {
            String text = reader.readLine();
            if (text == null) {
                return null;
            }
            line++;
            rowStart = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            int i = 0;
            while (true) {
                if (i == text.length()) {
                    if (!quoted) {
                        break;
                    }
                    String more = reader.readLine();
                    if (more == null) {
                        throw new DataFormatException(file + ":" + rowStart
                                + ": a quoted field is never closed; add the closing '\"'.");
                    }
                    line++;
                    field.append('\n');
                    text = more;
                    i = 0;
                    continue;
                }
                char c = text.charAt(i++);
                if (quoted) {
                    if (c == '"') {
                        if (i < text.length() && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            quoted = false;
                        }
                    } else {
                        field.append(c);
                    }
                } else if (c == '"' && field.length() == 0) {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else if (c == '"') {
                    throw new DataFormatException(file + ":" + line + ": stray '\"' inside an "
                            + "unquoted field; quote the whole field and double inner quotes.");
                } else {
                    field.append(c);
                }
            }
            fields.add(field.toString());
            return fields;
        }
    }
}
