package dev.peft4j.plugins;

import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.PluginException;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.Suggestions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.Spliterator;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The installed reparameterizer plugins, by id. Plugins are found with {@link ServiceLoader}
 * (a jar lists its class in {@code META-INF/services/dev.peft4j.api.ReparameterizerPlugin}) on
 * the class path, in given class loaders and in plugin folders of jars.
 *
 * <p>Loading is forgiving where it can be and strict where it must be: a plugin whose
 * constructor throws, that was built for another API version, whose id is not lower-case kebab,
 * or a jar that cannot be opened is left out, logged at WARN in one line (its stack trace at
 * DEBUG) and listed in {@link #getProblems()}, and every other plugin still loads. Two plugins with the same id are
 * an error, because which one a user gets must never depend on class path order.
 *
 * <pre>{@code
 * PluginRegistry registry = PluginRegistry.discover();
 * ReparameterizerPlugin plugin = registry.get("residual-prompt");
 * }</pre>
 *
 * <p>Instances are immutable and safe to share between threads. Class loaders created for
 * plugin folders stay open as long as the plugins they loaded are in use.
 */
public final class PluginRegistry {

    /** The source named for plugins found through the class path. */
    public static final String CLASS_PATH = "class path";

    /** The source named for plugins given with {@link Builder#add}. */
    public static final String ADDED_EXPLICITLY = "added explicitly";

    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
    private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final String SERVICE_FILE = "META-INF/services/" + ReparameterizerPlugin.class.getName();
    /** Stops a service file that keeps failing from looping forever; far above any real count. */
    private static final int MAX_ERRORS_PER_SOURCE = 1000;

    private final Map<String, Loaded> plugins;
    private final List<PluginProblem> problems;

    private PluginRegistry(Map<String, Loaded> plugins, List<PluginProblem> problems) {
        this.plugins = Collections.unmodifiableMap(plugins);
        this.problems = List.copyOf(problems);
    }

    /**
     * Finds the plugins visible to the thread context class loader, or to this class's loader
     * when the thread has none.
     */
    public static PluginRegistry discover() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return discover(context != null ? context : PluginRegistry.class.getClassLoader());
    }

    /** Finds the plugins visible to {@code loader}. */
    public static PluginRegistry discover(ClassLoader loader) {
        return builder().addClassLoader(loader).build();
    }

    /** A builder to combine the class path, class loaders, plugin folders and explicit plugins. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The plugin with {@code id}.
     *
     * @throws PluginException when none has this id; the message names the closest id and all
     *     available ones, or says how to install a plugin when there are none
     */
    public ReparameterizerPlugin get(String id) {
        Objects.requireNonNull(id, "id must not be null");
        Loaded loaded = plugins.get(id);
        if (loaded != null) {
            return loaded.plugin();
        }
        StringBuilder message = new StringBuilder("Unknown method '").append(id).append("'.");
        if (plugins.isEmpty()) {
            message.append(" No reparameterizer plugins are installed. Put a plugin jar (for example "
                    + "peft4j-residual-prompt) on the class path or in a plugin folder; a plugin jar lists its "
                    + "class in " + SERVICE_FILE + ".");
        } else {
            Suggestions.closest(id, plugins.keySet())
                    .ifPresent(s -> message.append(" Did you mean '").append(s).append("'?"));
            message.append(" Available: ").append(String.join(", ", plugins.keySet())).append('.');
        }
        if (!problems.isEmpty()) {
            message.append(' ').append(problems.size()).append(" plugin(s) could not be loaded: ")
                    .append(problems.stream().map(PluginProblem::message).collect(Collectors.joining(" | ")));
        }
        throw new PluginException(message.toString());
    }

    /** The plugin with {@code id}, if installed. */
    public Optional<ReparameterizerPlugin> find(String id) {
        Loaded loaded = plugins.get(id);
        return loaded == null ? Optional.empty() : Optional.of(loaded.plugin());
    }

    /** Every loaded plugin, sorted by id. */
    public List<PluginInfo> list() {
        return plugins.values().stream().map(Loaded::info).toList();
    }

    /** The ids of every loaded plugin, sorted. */
    public Set<String> getIds() {
        return plugins.keySet();
    }

    /** The plugins that failed to load or were refused, in the order they were met. */
    public List<PluginProblem> getProblems() {
        return problems;
    }

    @Override
    public String toString() {
        return "PluginRegistry" + plugins.keySet() + (problems.isEmpty() ? "" : " with " + problems.size() + " problem(s)");
    }

    /** A loaded, accepted plugin and what is shown about it. */
    private record Loaded(ReparameterizerPlugin plugin, PluginInfo info) {}

    /** Where plugins come from, in the order the builder was told. */
    private sealed interface Source {
        /** Every plugin visible to a class loader. */
        record Loader(ClassLoader loader, String name) implements Source {}

        /** Each jar of a folder in a class loader of its own. */
        record Folder(Path folder) implements Source {}

        /** One plugin instance. */
        record Instance(ReparameterizerPlugin plugin) implements Source {}
    }

    /**
     * Collects plugin sources; {@link #build()} loads and checks them. The builder may be used
     * to build several registries.
     */
    public static final class Builder {
        private final List<Source> sources = new ArrayList<>();

        private Builder() {}

        /** Adds the plugins on the class path of the peft4j API (its own class loader). */
        public Builder addClassPath() {
            sources.add(new Source.Loader(apiClassLoader(), CLASS_PATH));
            return this;
        }

        /** Adds the plugins visible to {@code loader}, including those of its parents. */
        public Builder addClassLoader(ClassLoader loader) {
            Objects.requireNonNull(loader, "loader must not be null");
            String name = loader == apiClassLoader() || loader == ClassLoader.getSystemClassLoader()
                    ? CLASS_PATH
                    : "class loader " + (loader.getName() != null ? loader.getName() : loader.toString());
            sources.add(new Source.Loader(loader, name));
            return this;
        }

        /**
         * Adds the plugins in the {@code *.jar} files of {@code folder} (not its subfolders).
         * Each jar gets a class loader of its own whose parent is the API's class loader, so
         * plugins cannot see each other's classes. A jar that cannot be opened or declares no
         * plugin is reported in {@link PluginRegistry#getProblems()}.
         */
        public Builder addPluginFolder(Path folder) {
            sources.add(new Source.Folder(Objects.requireNonNull(folder, "folder must not be null")));
            return this;
        }

        /** Adds one plugin instance; it is checked like a discovered one. */
        public Builder add(ReparameterizerPlugin plugin) {
            sources.add(new Source.Instance(Objects.requireNonNull(plugin, "plugin must not be null")));
            return this;
        }

        /**
         * Loads and checks every plugin.
         *
         * @throws PluginException when two plugins have the same id (naming both classes and
         *     where they came from), or a plugin folder does not exist
         */
        public PluginRegistry build() {
            List<Candidate> candidates = new ArrayList<>();
            List<PluginProblem> problems = new ArrayList<>();
            Set<Class<?>> seen = new HashSet<>();
            Set<String> reported = new HashSet<>();
            for (Source source : sources) {
                if (source instanceof Source.Loader l) {
                    loadServices(l.loader(), l.name(), null, seen, reported, candidates, problems);
                } else if (source instanceof Source.Folder f) {
                    loadFolder(f.folder(), seen, reported, candidates, problems);
                } else {
                    ReparameterizerPlugin plugin = ((Source.Instance) source).plugin();
                    candidates.add(new Candidate(plugin, ADDED_EXPLICITLY));
                }
            }
            Map<String, Loaded> byId = new TreeMap<>();
            String duplicate = null;
            for (Candidate candidate : candidates) {
                Loaded loaded = check(candidate, problems);
                if (loaded == null) {
                    continue;
                }
                Loaded previous = byId.putIfAbsent(loaded.info().id(), loaded);
                if (previous != null && duplicate == null) {
                    duplicate = "Two plugins have the id '" + loaded.info().id() + "': "
                            + previous.info().className() + " (from " + previous.info().source() + ") and "
                            + loaded.info().className() + " (from " + loaded.info().source() + "). "
                            + "Ids must be unique: remove one of them from the class path or plugin folder, "
                            + "or rename one id.";
                }
            }
            // Log the problems even when a duplicate id fails the build: they may explain it. The
            // message names the cause in one line; its stack trace is for DEBUG, not every command.
            for (PluginProblem problem : problems) {
                LOG.warn("{}", problem.message());
                if (problem.cause() != null) {
                    LOG.debug("Stack trace of: {}", problem.message(), problem.cause());
                }
            }
            if (duplicate != null) {
                throw new PluginException(duplicate);
            }
            LOG.debug("Loaded reparameterizer plugins {}", byId.keySet());
            return new PluginRegistry(new LinkedHashMap<>(byId), problems);
        }
    }

    /** A plugin instance before its checks. */
    private record Candidate(ReparameterizerPlugin plugin, String source) {}

    private static ClassLoader apiClassLoader() {
        ClassLoader loader = ReparameterizerPlugin.class.getClassLoader();
        return loader != null ? loader : ClassLoader.getSystemClassLoader();
    }

    /**
     * Instantiates the providers visible to {@code loader}; with {@code onlyFrom} set, only
     * those whose class that loader defined (a folder jar's loader also sees its parent's).
     * A provider that fails is reported and the iteration goes on.
     */
    private static void loadServices(
            ClassLoader loader,
            String sourceName,
            @Nullable ClassLoader onlyFrom,
            Set<Class<?>> seen,
            Set<String> reported,
            List<Candidate> candidates,
            List<PluginProblem> problems) {
        Spliterator<ServiceLoader.Provider<ReparameterizerPlugin>> providers =
                ServiceLoader.load(ReparameterizerPlugin.class, loader).stream().spliterator();
        List<ServiceLoader.Provider<ReparameterizerPlugin>> found = new ArrayList<>();
        int errors = 0;
        boolean more = true;
        while (more && errors < MAX_ERRORS_PER_SOURCE) {
            try {
                more = providers.tryAdvance(found::add);
            } catch (ServiceConfigurationError | LinkageError e) {
                // ServiceLoader skips the faulty entry on the next call. A LinkageError (a class
                // compiled for a newer Java, a missing dependency) escapes ServiceLoader unwrapped.
                errors++;
                if (!reported.add(String.valueOf(e.getMessage()))) {
                    continue; // a parent's service file, already reported through another source
                }
                problems.add(new PluginProblem(sourceName, "A plugin listed in " + SERVICE_FILE + " (from "
                        + sourceName + ") could not be loaded: " + describe(e) + ". " + loadingHint(e), e));
            }
        }
        for (ServiceLoader.Provider<ReparameterizerPlugin> provider : found) {
            Class<? extends ReparameterizerPlugin> type = provider.type();
            if ((onlyFrom != null && type.getClassLoader() != onlyFrom) || !seen.add(type)) {
                continue;
            }
            try {
                candidates.add(new Candidate(provider.get(), sourceName));
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                problems.add(new PluginProblem(sourceName, "Plugin " + type.getName() + " (from " + sourceName
                        + ") failed to start: " + describe(e) + ". It is left out; fix or remove it.", e));
            }
        }
    }

    private static void loadFolder(
            Path folder,
            Set<Class<?>> seen,
            Set<String> reported,
            List<Candidate> candidates,
            List<PluginProblem> problems) {
        if (!Files.isDirectory(folder)) {
            throw new PluginException("Plugin folder " + folder.toAbsolutePath() + " does not exist or is not a "
                    + "folder. Create it and put plugin jars in it, or remove the setting.");
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(folder)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new PluginException("Cannot list plugin folder " + folder.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        for (Path jar : jars) {
            String source = jar.toAbsolutePath().toString();
            // URLClassLoader silently ignores a jar it cannot open, so open it first to say so.
            try (JarFile file = new JarFile(jar.toFile())) {
                if (file.getEntry(SERVICE_FILE) == null) {
                    problems.add(new PluginProblem(source, "Jar " + source + " in the plugin folder declares no "
                            + "plugin: it has no " + SERVICE_FILE + ". Remove it from the folder or add that file.",
                            null));
                    continue;
                }
            } catch (IOException | SecurityException e) {
                problems.add(new PluginProblem(source, "Jar " + source + " in the plugin folder cannot be opened ("
                        + describe(e) + "). Replace it with a valid plugin jar or remove it.", e));
                continue;
            }
            URL url;
            try {
                url = jar.toUri().toURL();
            } catch (MalformedURLException e) {
                problems.add(new PluginProblem(source, "Jar " + source + " has no valid URL: " + describe(e), e));
                continue;
            }
            URLClassLoader loader = new URLClassLoader(
                    "peft4j-plugin:" + jar.getFileName(), new URL[] {url}, apiClassLoader());
            loadServices(loader, source, loader, seen, reported, candidates, problems);
        }
    }

    /** Checks id, version and self-description; returns null (with a problem) when refused. */
    private static @Nullable Loaded check(Candidate candidate, List<PluginProblem> problems) {
        ReparameterizerPlugin plugin = candidate.plugin();
        String className = plugin.getClass().getName();
        String source = candidate.source();
        String id;
        String description;
        ApiVersion version;
        List<OptionSpec> options;
        try {
            id = plugin.getId();
            description = plugin.getDescription();
            version = plugin.getApiVersion();
            options = List.copyOf(plugin.getOptions());
        } catch (RuntimeException | LinkageError e) {
            problems.add(new PluginProblem(source, "Plugin " + className + " (from " + source
                    + ") failed to describe itself: " + describe(e) + ". It is left out; fix or remove it.", e));
            return null;
        }
        if (id == null || !KEBAB.matcher(id).matches()) {
            problems.add(new PluginProblem(source, "Plugin " + className + " (from " + source + ") has id '" + id
                    + "', which is not lower-case kebab (e.g. 'residual-prompt'). It is refused; give it a "
                    + "lower-case kebab id.", null));
            return null;
        }
        if (description == null || version == null) {
            problems.add(new PluginProblem(source, "Plugin '" + id + "' (" + className + " from " + source
                    + ") returns null for its " + (description == null ? "description" : "API version")
                    + ". It is refused.", null));
            return null;
        }
        ApiVersion current = ApiVersion.CURRENT;
        if (!current.canRun(version)) {
            String why = version.major() != current.major()
                    ? "a different major version"
                    : "a newer minor version than this one";
            problems.add(new PluginProblem(source, "Plugin '" + id + "' (" + className + " from " + source
                    + ") was built for peft4j API " + version + ", but this is peft4j API " + current + " ("
                    + why + "). It is refused; use a build of the plugin made for peft4j API "
                    + (current.minor() == 0 ? current : current.major() + ".0 to " + current) + ", or a peft4j release that provides API " + version + ".", null));
            return null;
        }
        return new Loaded(plugin, new PluginInfo(id, description, version, options, className, source));
    }

    /** What to do about a provider class that could not be loaded. */
    private static String loadingHint(Throwable e) {
        if (e instanceof UnsupportedClassVersionError) {
            return "Rebuild the plugin for Java " + Runtime.version().feature() + " (or older), or run a newer Java.";
        }
        if (e instanceof LinkageError) {
            return "A class it needs is missing or incompatible: put the plugin's dependencies beside it, built "
                    + "for this peft4j version.";
        }
        return "Check that the class exists, is public, implements " + ReparameterizerPlugin.class.getName()
                + " and has a public no-argument constructor.";
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        return root == e ? text : text + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
