package dev.peft4j.plugins.guice;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.multibindings.MapBinder;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.plugins.PluginRegistry;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeftModuleTest {

    /** A host class that wants the plugins by id, through its constructor. */
    static final class MethodCatalog {
        final Map<String, ReparameterizerPlugin> methods;
        final PluginRegistry registry;

        @Inject
        MethodCatalog(Map<String, ReparameterizerPlugin> methods, PluginRegistry registry) {
            this.methods = methods;
            this.registry = registry;
        }
    }

    @Test
    void injectsTheRegistryAndThePluginsById() {
        PluginRegistry registry = PluginRegistry.discover();
        Injector injector = Guice.createInjector(new PeftModule(registry));

        MethodCatalog catalog = injector.getInstance(MethodCatalog.class);

        assertThat(catalog.registry).isSameAs(registry);
        assertThat(catalog.methods).containsOnlyKeys("identity-prompt", "scaled-prompt");
        assertThat(catalog.methods.get("scaled-prompt")).isSameAs(registry.get("scaled-prompt"));
    }

    @Test
    void fromClassPathDiscoversBeforeConfiguring() {
        Injector injector = Guice.createInjector(PeftModule.fromClassPath());

        assertThat(injector.getInstance(MethodCatalog.class).methods).containsKey("identity-prompt");
    }

    @Test
    void anotherModuleCanAddAPluginToTheSameMap() {
        ReparameterizerPlugin extra = PluginRegistry.discover().get("identity-prompt");
        AbstractModule hostModule = new AbstractModule() {
            @Override
            protected void configure() {
                MapBinder.newMapBinder(binder(), String.class, ReparameterizerPlugin.class)
                        .addBinding("host-prompt").toInstance(extra);
            }
        };
        Injector injector = Guice.createInjector(PeftModule.fromClassPath(), hostModule);

        assertThat(injector.getInstance(MethodCatalog.class).methods)
                .containsOnlyKeys("host-prompt", "identity-prompt", "scaled-prompt");
    }

    /** A plugin that asks Guice for something through a jakarta.inject method. */
    public static final class InjectedPlugin extends ForwardingPlugin {
        @org.jspecify.annotations.Nullable PluginRegistry injectedRegistry;

        InjectedPlugin() {
            super(PluginRegistry.discover().get("identity-prompt"), "injected-prompt");
        }

        @Inject
        void setRegistry(PluginRegistry registry) {
            this.injectedRegistry = registry;
        }
    }

    @Test
    void pluginsBoundAsInstancesGetTheirInjectMembersFilled() {
        InjectedPlugin plugin = new InjectedPlugin();
        PluginRegistry registry = PluginRegistry.builder().addClassPath().add(plugin).build();

        Guice.createInjector(new PeftModule(registry));

        assertThat(plugin.injectedRegistry).isSameAs(registry);
    }

    @Test
    void installingTheModuleTwiceIsHarmless() {
        PeftModule module = new PeftModule(PluginRegistry.discover());
        Injector injector = Guice.createInjector(module, module);

        assertThat(injector.getInstance(PluginRegistry.class).getIds()).hasSize(2);
    }
}
