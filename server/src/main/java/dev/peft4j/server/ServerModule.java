package dev.peft4j.server;

import com.google.inject.AbstractModule;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Binds the prediction service: {@link PredictionServer} with its batcher, metrics and API
 * handler, configured by {@link ServerSettings}. It needs a {@link
 * dev.peft4j.inference.MultiTaskPredictor} bound elsewhere: by {@link TasksModule}, or by the
 * host's own module (a predictor it already serves from, say). Override a binding with
 * {@code Modules.override(...)}; {@link #configure()} is pure (no I/O, no threads).
 */
public final class ServerModule extends AbstractModule {

    private final ServerSettings settings;

    /** A module serving with {@code settings}. */
    public ServerModule(ServerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings must not be null");
    }

    @Override
    protected void configure() {
        bind(ServerSettings.class).toInstance(settings);
        bind(ServerMetrics.class);
        bind(MicroBatcher.class);
        bind(ApiHandler.class);
        bind(PredictionServer.class);
    }

    /** Two modules of equal settings are one, so installing it twice is harmless. */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof ServerModule m && m.settings.equals(settings);
    }

    @Override
    public int hashCode() {
        return settings.hashCode();
    }
}
