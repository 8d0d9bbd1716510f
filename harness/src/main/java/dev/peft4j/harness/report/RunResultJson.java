package dev.peft4j.harness.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads and writes {@link RunResult}s as pretty-printed JSON. */
public final class RunResultJson {

    private static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeNulls()
            .serializeSpecialFloatingPointValues()
            .disableHtmlEscaping()
            .create();

    private static final String RESULT_ADVICE = "Delete or fix the file; the run will be repeated if it is missing.";

    private RunResultJson() {}

    /** The shared Gson instance (pretty printing, NaN allowed, nulls written). */
    public static Gson gson() {
        return GSON;
    }

    /** A result as JSON text. */
    public static String toJson(RunResult result) {
        return GSON.toJson(result);
    }

    /**
     * A result from JSON text.
     *
     * @param source where the text came from, for messages
     * @throws PeftException if the text is not a valid run result
     */
    public static RunResult fromJson(String json, String source) {
        return parse(json, RunResult.class, "run result " + source, RESULT_ADVICE);
    }

    /** Parses a record of this package, turning any failure into one message naming the source. */
    static <T> T parse(String json, Class<T> type, String what, String advice) {
        try {
            T value = GSON.fromJson(json, type);
            if (value == null) {
                throw new PeftException(Character.toUpperCase(what.charAt(0)) + what.substring(1) + " is empty.");
            }
            return value;
        } catch (RuntimeException e) {
            // Gson wraps the record constructor's own message (a missing field) in reflection errors.
            String reason = e.toString();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof PeftException || t instanceof JsonParseException && t.getCause() == null) {
                    reason = t.getMessage();
                    break;
                }
            }
            reason = reason == null ? e.toString() : reason.strip().replaceAll("\\.$", "");
            throw new PeftException("Cannot read " + what + ": " + reason + ". " + advice, e);
        }
    }

    /** Writes a result atomically (temporary file, then rename). */
    public static void write(Path file, RunResult result) {
        writeFile(file, result, "run result");
    }

    /** Reads a result file. */
    public static RunResult read(Path file) {
        return readFile(file, RunResult.class, "run result", RESULT_ADVICE);
    }

    /**
     * Writes a record of this package atomically as pretty-printed JSON, first removing the
     * temporary files that killed writers left in its folder.
     */
    static void writeFile(Path file, Object value, String what) {
        try {
            AtomicFiles.removeOrphans(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, (GSON.toJson(value) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PeftException("Cannot write " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a record of this package written by {@link #writeFile}. */
    static <T> T readFile(Path file, Class<T> type, String what, String advice) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PeftException("Cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
        return parse(json, type, what + " " + file, advice);
    }
}
