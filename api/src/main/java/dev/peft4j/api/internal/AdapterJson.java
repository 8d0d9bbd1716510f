package dev.peft4j.api.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.peft4j.api.PromptFormatException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Typed reads of the fields of a PEFT {@code adapter_config.json}, shared by the prompt and the
 * layer adapter readers; a wrong field fails with a {@link PromptFormatException} naming the file.
 */
public final class AdapterJson {

    private AdapterJson() {}

    /** The field as text, {@code null} when it is absent or JSON null. */
    public static @Nullable String string(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive()) {
            throw new PromptFormatException(file + ": field '" + key + "' must be a string, got " + e);
        }
        return e.getAsString();
    }

    /** The field as a positive whole number (8.0 is 8; 8.5, 0 and text are refused). */
    public static int positiveInt(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        try {
            int value = e.getAsInt();
            if (value > 0 && e.getAsDouble() == value) {
                return value;
            }
        } catch (RuntimeException ignored) {
            // reported below
        }
        throw new PromptFormatException(file + ": field '" + key + "' must be a positive integer, got " + e);
    }

    /** The field as a positive finite number. */
    public static float positiveNumber(JsonObject json, String key, Path file) {
        JsonElement e = json.get(key);
        try {
            float value = e.getAsFloat();
            if (Float.isFinite(value) && value > 0) {
                return value;
            }
        } catch (RuntimeException ignored) {
            // reported below
        }
        throw new PromptFormatException(file + ": field '" + key + "' must be a positive number, got " + e);
    }
}
