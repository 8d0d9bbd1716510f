package dev.peft4j.plugins;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ScaledPromptPlugin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Misbehaving plugins. They are not in the test class path's service file; a test lists the
 * ones it wants in a service file of its own, served by {@link #loaderListing}.
 */
final class TestPlugins {

    private TestPlugins() {}

    /**
     * A class loader whose parent is the test class loader and that adds a service file listing
     * {@code classes}, written under {@code folder}.
     */
    static URLClassLoader loaderListing(Path folder, Class<?>... classes) {
        try {
            Path services = folder.resolve("META-INF/services");
            Files.createDirectories(services);
            StringBuilder lines = new StringBuilder();
            for (Class<?> type : classes) {
                lines.append(type.getName()).append('\n');
            }
            Files.writeString(services.resolve(ReparameterizerPlugin.class.getName()), lines);
            return new URLClassLoader("test-services", new URL[] {folder.toUri().toURL()},
                    TestPlugins.class.getClassLoader());
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shared plumbing of the test plugins: no options, Φ the identity. */
    abstract static class Base implements ReparameterizerPlugin {
        @Override
        public String getDescription() {
            return "Test plugin " + getClass().getSimpleName();
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR);
        }

        @Override
        public List<OptionSpec> getOptions() {
            return List.of();
        }

        @Override
        public Reparameterizer create(PromptShape shape, Options options) {
            return ScaledPromptPlugin.scaled(shape, 1.0);
        }
    }

    /** Claims the id of the test kit's {@link ScaledPromptPlugin}. */
    public static final class DuplicateScaled extends Base {
        @Override
        public String getId() {
            return "scaled-prompt";
        }
    }

    /** Built for the next major API version. */
    public static final class NextMajor extends Base {
        @Override
        public String getId() {
            return "next-major-prompt";
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR + 1, 0);
        }
    }

    /** Built for a newer minor version than the running API. */
    public static final class NewerMinor extends Base {
        @Override
        public String getId() {
            return "newer-minor-prompt";
        }

        @Override
        public ApiVersion getApiVersion() {
            return new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR + 1);
        }
    }

    /** Fails in its constructor. */
    public static final class Throwing extends Base {
        /** Always throws. */
        public Throwing() {
            throw new IllegalStateException("cannot find my model files");
        }

        @Override
        public String getId() {
            return "throwing-prompt";
        }
    }

    /** Has an id that is not lower-case kebab. */
    public static final class BadId extends Base {
        @Override
        public String getId() {
            return "Bad_Id";
        }
    }

    /** A fine plugin that arrives together with the misbehaving ones. */
    public static final class Good extends Base {
        @Override
        public String getId() {
            return "good-prompt";
        }
    }
}
