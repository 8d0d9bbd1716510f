package dev.peft4j.plugins.guice;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.plugins.PluginInfo;
import dev.peft4j.plugins.PluginRegistry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Binds a {@link PluginRegistry} and a {@code Map<String, ReparameterizerPlugin>} of its plugins
 * by id (a {@link MapBinder}, so other modules may add plugins of their own).
 *
 * <p>Discovery happens before the module is made, never inside {@link #configure()}: the module
 * is fast, free of side effects and of conditional logic, as Guice advises.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(PeftModule.fromClassPath());
 * Map<String, ReparameterizerPlugin> methods =
 *         injector.getInstance(Key.get(new TypeLiteral<Map<String, ReparameterizerPlugin>>() {}));
 * }</pre>
 *
 * <p>Plugins are bound as instances, so Guice injects their {@code jakarta.inject.Inject}
 * fields and methods.
 */
public final class PeftModule extends AbstractModule {

    private final PluginRegistry registry;

    /** A module binding {@code registry} and its plugins. */
    public PeftModule(PluginRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry must not be null");
    }

    /** A module binding the plugins found by {@link PluginRegistry#discover()}. */
    public static PeftModule fromClassPath() {
        return new PeftModule(PluginRegistry.discover());
    }

    @Override
    protected void configure() {
        bind(PluginRegistry.class).toInstance(registry);
        MapBinder<String, ReparameterizerPlugin> plugins =
                MapBinder.newMapBinder(binder(), String.class, ReparameterizerPlugin.class);
        for (PluginInfo info : registry.list()) {
            plugins.addBinding(info.id()).toInstance(registry.get(info.id()));
        }
    }

    /** Two modules of the same registry are one, so installing it twice is harmless. */
    @Override
    public boolean equals(@Nullable Object other) {
        return other instanceof PeftModule m && m.registry == registry;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(registry);
    }
}
