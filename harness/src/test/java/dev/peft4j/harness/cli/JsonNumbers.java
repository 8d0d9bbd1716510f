package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/** Reads numbers out of the bench JSON by dotted path, failing the test on a missing key. */
final class JsonNumbers {

    private JsonNumbers() {}

    static double number(JsonObject object, String path) {
        JsonElement element = object;
        for (String part : path.split("\\.")) {
            element = element.getAsJsonObject().get(part);
            assertThat(element).as(path).isNotNull();
        }
        return element.getAsDouble();
    }
}
