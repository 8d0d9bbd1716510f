package dev.peft4j.inference.guice;

import ai.djl.Device;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import dev.peft4j.inference.Predictor;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link Predictor} for one export folder, so a host injects a ready predictor:
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new PredictorModule(Path.of("exports/cb")));
 * Predictor predictor = injector.getInstance(Predictor.class);
 * }</pre>
 *
 * <p>{@link #configure()} is pure: it reads no file. The predictor is a singleton opened on first
 * use (at injector creation in {@code Stage.PRODUCTION}, which builds singletons eagerly), so a
 * broken export surfaces as a Guice {@code ProvisionException} whose cause is peft4j's message.
 * Guice has no shutdown hook: the host closes the predictor when it stops
 * ({@code injector.getInstance(Predictor.class).close()}).
 *
 * <p>Guice is an optional dependency of {@code peft4j-inference}: a host that installs this
 * module declares {@code com.google.inject:guice} (7.x) itself.
 */
public final class PredictorModule extends AbstractModule {

    private final Path exportFolder;
    private final @Nullable Device device;

    /** A module opening {@code exportFolder} on the engine's default device. */
    public PredictorModule(Path exportFolder) {
        this.exportFolder = Objects.requireNonNull(exportFolder, "exportFolder must not be null");
        this.device = null;
    }

    /** A module opening {@code exportFolder} with its backbone on {@code device}. */
    public PredictorModule(Path exportFolder, Device device) {
        this.exportFolder = Objects.requireNonNull(exportFolder, "exportFolder must not be null");
        this.device = Objects.requireNonNull(device, "device must not be null");
    }

    /** The export folder the predictor is opened from. */
    public Path getExportFolder() {
        return exportFolder;
    }

    @Provides
    @Singleton
    Predictor predictor() {
        return device == null ? Predictor.open(exportFolder) : Predictor.open(exportFolder, device);
    }

    /** Two modules of the same folder and device are one, so installing it twice is harmless. */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PredictorModule m && m.exportFolder.equals(exportFolder)
                && Objects.equals(m.device, device);
    }

    @Override
    public int hashCode() {
        return Objects.hash(exportFolder, device);
    }
}
