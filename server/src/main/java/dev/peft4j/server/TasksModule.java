package dev.peft4j.server;

import ai.djl.Device;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Binds the tasks a {@link PredictionServer} serves: the {@link Backbone} the exports were trained
 * on (loaded once, on {@code device}) and a {@link MultiTaskPredictor} serving every export folder
 * under its task name. {@link #configure()} reads no file: the backbone and predictor are
 * singletons made on first use, so a broken export surfaces as a {@code ProvisionException} whose
 * cause is peft4j's message. Guice closes nothing: the host closes the predictor, then the
 * backbone, after the server.
 */
public final class TasksModule extends AbstractModule {

    private final Map<String, Path> exports;
    private final Device device;

    /**
     * A module serving {@code exports} (task name to export folder, in order) with their backbone on
     * {@code device}.
     *
     * @throws PeftException when {@code exports} is empty
     */
    public TasksModule(Map<String, Path> exports, Device device) {
        if (exports.isEmpty()) {
            throw new PeftException("No task to serve: give at least one export folder (written by "
                    + "'peft4j train --export-dir').");
        }
        this.exports = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(exports));
        this.device = Objects.requireNonNull(device, "device must not be null");
    }

    /** The export folders served, by task name. */
    public Map<String, Path> getExports() {
        return exports;
    }

    @Provides
    @Singleton
    Backbone backbone() {
        // every export names its backbone; the predictor checks that the others name the same
        Path first = exports.values().iterator().next();
        return Backbones.load(ExportFolder.read(first).settings().backbone(), device);
    }

    @Provides
    @Singleton
    MultiTaskPredictor predictor(Backbone backbone) {
        return MultiTaskPredictor.open(backbone, exports);
    }

    /** Two modules of the same exports and device are one. */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof TasksModule m && m.exports.equals(exports) && m.device.equals(device);
    }

    @Override
    public int hashCode() {
        return Objects.hash(exports, device);
    }
}
