package dev.peft4j.server;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.peft4j.api.Suggestions;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@code POST /v1/predict} body: one item {@code {"task", "text", "text_pair"}} or a
 * JSON array of them. Strict JSON (no comments, unquoted names or trailing data), exact types,
 * known tasks and non-blank texts; every refusal is an {@link ApiError} naming the item and field.
 */
final class PredictRequests {

    /** The fields of an item. */
    static final List<String> FIELDS = List.of("task", "text", "text_pair");

    private static final TypeAdapter<JsonElement> ELEMENTS = new Gson().getAdapter(JsonElement.class);

    /** A parsed body: its rows, and whether it was an array (answered with an array). */
    record Parsed(List<Input> items, boolean batch) {}

    private PredictRequests() {}

    /** Parses and checks {@code body} against the tasks served now. */
    static Parsed parse(String body, Set<String> tasks, int maxItems) {
        JsonElement root = readStrict(body);
        if (root.isJsonArray()) {
            JsonArray array = root.getAsJsonArray();
            if (array.isEmpty()) {
                throw new ApiError(400, "no_items", "The request is an empty array; send one item "
                        + "{\"task\", \"text\"} or an array of 1 to " + maxItems + " items.");
            }
            if (array.size() > maxItems) {
                throw new ApiError(400, "too_many_items", "The request has " + array.size() + " items, more than "
                        + "the " + maxItems + " one request may hold; split it into several requests.");
            }
            List<Input> items = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                items.add(item(array.get(i), i, tasks));
            }
            return new Parsed(items, true);
        }
        if (root.isJsonObject()) {
            return new Parsed(List.of(item(root, null, tasks)), false);
        }
        throw new ApiError(400, "wrong_type", "The request body is " + kind(root) + "; send one item "
                + "{\"task\": ..., \"text\": ...} or an array of such items.");
    }

    private static JsonElement readStrict(String body) {
        if (body.isBlank()) {
            throw new ApiError(400, "malformed_json", "The request body is empty; send JSON such as "
                    + "{\"task\": \"cb\", \"text\": \"...\"}.");
        }
        try (JsonReader reader = new JsonReader(new StringReader(body))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement root;
            try {
                root = ELEMENTS.read(reader);
            } catch (JsonParseException | IOException | IllegalStateException e) {
                throw new ApiError(400, "malformed_json", "The request body is not valid JSON: " + gsonProblem(e)
                        + ". Send one object {\"task\": ..., \"text\": ...} or an array of them.");
            }
            String path = reader.getPath();
            boolean more;
            try {
                more = reader.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException e) {
                more = true; // strict mode refuses a second top-level value before reading it
            }
            if (more) {
                throw new ApiError(400, "malformed_json", "The request body holds more than one JSON value "
                        + "(something follows the value ending at " + path + "); send one object or one array.");
            }
            return root;
        } catch (IOException e) {
            throw new ApiError(400, "malformed_json", "The request body is not valid JSON: " + e.getMessage());
        }
    }

    /** Gson's description of a syntax error, without its advice to parse leniently. */
    private static String gsonProblem(Exception e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        String advice = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON ";
        message = message.replace(advice, "malformed JSON ").trim();
        return message.isEmpty() ? e.getClass().getSimpleName() : message;
    }

    private static Input item(JsonElement element, @Nullable Integer index, Set<String> tasks) {
        String where = index == null ? "the request" : "item " + index;
        if (!element.isJsonObject()) {
            throw new ApiError(400, "wrong_type", capitalize(where) + " is " + kind(element) + "; each item is an "
                    + "object {\"task\": ..., \"text\": ..., \"text_pair\": ...}.", index);
        }
        JsonObject object = element.getAsJsonObject();
        for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
            if (!FIELDS.contains(entry.getKey())) {
                String hint = Suggestions.closest(entry.getKey(), FIELDS).map(f -> "; did you mean '" + f + "'?")
                        .orElse(".");
                throw new ApiError(400, "unknown_field", "Unknown field '" + entry.getKey() + "' in " + where
                        + hint + " Fields: " + FIELDS + ".", index);
            }
        }
        String task = string(object, "task", where, index, true);
        String text = string(object, "text", where, index, true);
        String pair = string(object, "text_pair", where, index, false);
        if (!tasks.contains(task)) {
            String hint = Suggestions.closest(task, tasks).map(t -> "; did you mean '" + t + "'?").orElse(".");
            throw new ApiError(400, "unknown_task", "Unknown task '" + task + "' in " + where + hint
                    + " Served tasks: " + tasks + " (GET /v1/tasks lists them).", index);
        }
        return new Input(task, text, pair);
    }

    /** The string field {@code name}, or null when it is optional and absent or null. */
    private static @Nullable String string(JsonObject object, String name, String where, @Nullable Integer index,
            boolean required) {
        JsonElement value = object.get(name);
        if (value == null || value.isJsonNull()) {
            if (required) {
                throw new ApiError(400, "missing_field", capitalize(where) + " has no '" + name + "'; every item "
                        + "needs \"task\" and \"text\" (\"text_pair\" is optional).", index);
            }
            return null;
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new ApiError(400, "wrong_type", "'" + name + "' of " + where + " is " + kind(value) + "; it must be "
                    + "a string.", index);
        }
        String string = value.getAsString();
        if (string.isBlank()) {
            String what = switch (name) {
                case "task" -> "name a served task (GET /v1/tasks lists them).";
                case "text_pair" -> "leave it out for a single text.";
                default -> "send the text to classify.";
            };
            throw new ApiError(400, name.equals("task") ? "missing_field" : "empty_text", "'" + name + "' of " + where
                    + " is empty or blank; " + what, index);
        }
        return string;
    }

    private static String kind(JsonElement element) {
        if (element.isJsonObject()) {
            return "an object";
        }
        if (element.isJsonArray()) {
            return "an array";
        }
        if (element.isJsonNull()) {
            return "null";
        }
        var primitive = element.getAsJsonPrimitive();
        return primitive.isBoolean() ? "a boolean" : primitive.isNumber() ? "a number" : "a string";
    }

    private static String capitalize(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
