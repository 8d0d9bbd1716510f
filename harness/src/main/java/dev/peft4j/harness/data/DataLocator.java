package dev.peft4j.harness.data;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SplitSource;
import dev.peft4j.harness.task.Task;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the file of a task's split. The first configured source is the only one used, so an
 * offline folder never triggers a download:
 *
 * <ol>
 *   <li>an explicit data folder ({@link Builder#optDataFolder}, the command line's flag);
 *   <li>the folder in the environment variable {@value #ENVIRONMENT_VARIABLE};
 *   <li>the cache folder ({@code ~/.peft4j/data} by default), filled on first use by downloading
 *       the official archive {@code <base URL><Task>.zip} (base URL
 *       {@value #DEFAULT_BASE_URL}, configurable).
 * </ol>
 *
 * <p>A data folder holds {@code superglue/<Task>/} and {@code fewglue/<Task>/} (the layout of the
 * project's shared data), or {@code <Task>/} directly (one collection, as unzipped archives give).
 *
 * <p><b>Checksums.</b> No table of official checksums is built in (the archives carry none). On
 * the first download the archive's SHA-256 is recorded in {@code archives/<Task>.zip.sha256}
 * beside the archive (in {@code sha256sum} format); every later use re-hashes the archive and
 * fails if it differs, and a re-download must match the recorded value too. An expected checksum
 * can be given with {@link Builder#optExpectedChecksum}; then the first download is checked
 * against it as well. Archives are unzipped into a temporary folder that is renamed into place,
 * so an interrupted run never leaves a half-extracted task.
 *
 * <p>FewGLUE has no official archive: its files must come from a data folder.
 */
public final class DataLocator {

    /** The environment variable naming a data folder. */
    public static final String ENVIRONMENT_VARIABLE = "PEFT4J_DATA";

    /** Where the official SuperGLUE v2 task archives are downloaded from. */
    public static final String DEFAULT_BASE_URL = "https://dl.fbaipublicfiles.com/glue/superglue/data/v2/";

    private static final Logger LOG = LoggerFactory.getLogger(DataLocator.class);
    private static final String DOWNLOADABLE = "superglue";

    private final @Nullable Path dataFolder;
    private final @Nullable String environmentFolder;
    private final Path cacheFolder;
    private final URI baseUrl;
    private final Map<String, String> expectedChecksums;
    private final Duration timeout;
    private final Set<String> verified = new LinkedHashSet<>();

    private DataLocator(Builder builder) {
        this.dataFolder = builder.dataFolder;
        String env = builder.environment.get(ENVIRONMENT_VARIABLE);
        this.environmentFolder = env == null || env.isBlank() ? null : env;
        this.cacheFolder = builder.cacheFolder != null ? builder.cacheFolder
                : Path.of(System.getProperty("user.home"), ".peft4j", "data");
        String base = builder.baseUrl.endsWith("/") ? builder.baseUrl : builder.baseUrl + "/";
        this.baseUrl = URI.create(base);
        this.expectedChecksums = Map.copyOf(builder.expectedChecksums);
        this.timeout = builder.timeout;
    }

    /** A builder; with no settings it uses {@code PEFT4J_DATA} or the download cache. */
    public static Builder builder() {
        return new Builder();
    }

    /** The cache folder used when neither a data folder nor the environment variable is set. */
    public Path getCacheFolder() {
        return cacheFolder;
    }

    /**
     * The file of one split of a task.
     *
     * @throws PeftException naming every place looked at when the file is not found, or why a
     *     download failed
     */
    public Path locate(Task task, String split) {
        SplitSource source = task.getSplit(split);
        return locate(source, task.getDirectoryName());
    }

    /**
     * Locates and loads one split of a task.
     *
     * @throws PeftException if the file cannot be found or read, or holds no examples
     */
    public List<Example> load(Task task, String split) {
        return task.load(split, locate(task, split));
    }

    /**
     * The file of a split source in a task folder ({@code CB}, {@code RTE}, ...).
     *
     * @throws PeftException as {@link #locate(Task, String)}
     */
    public Path locate(SplitSource source, String taskDirectory) {
        if (source.collection().isEmpty()) {
            Path file = Path.of(source.fileName());
            if (!Files.isRegularFile(file)) {
                throw new PeftException("Data file " + file.toAbsolutePath() + " does not exist; check the path given for the task.");
            }
            return file;
        }
        if (dataFolder != null) {
            return inFolder(dataFolder, source, taskDirectory, "the data folder given explicitly");
        }
        if (environmentFolder != null) {
            return inFolder(Path.of(environmentFolder), source, taskDirectory,
                    "the folder in " + ENVIRONMENT_VARIABLE);
        }
        if (!source.collection().equals(DOWNLOADABLE)) {
            throw new PeftException("No data folder is set and " + source.collection() + "/" + taskDirectory
                    + "/" + source.fileName() + " cannot be downloaded (only the official SuperGLUE archives can). "
                    + "Put the files in a folder as " + source.collection() + "/" + taskDirectory
                    + "/ and pass it with the data folder flag or " + ENVIRONMENT_VARIABLE + ".");
        }
        Path folder = ensureExtracted(taskDirectory);
        Path file = folder.resolve(source.fileName());
        if (!Files.isRegularFile(file)) {
            throw new PeftException("The archive of " + taskDirectory + " has no " + source.fileName()
                    + "; it holds " + listing(folder) + " (in " + folder + ").");
        }
        return file;
    }

    private static Path inFolder(Path root, SplitSource source, String taskDirectory, String what) {
        List<Path> tried = List.of(
                root.resolve(source.collection()).resolve(taskDirectory).resolve(source.fileName()),
                root.resolve(taskDirectory).resolve(source.fileName()));
        for (Path candidate : tried) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new PeftException("Split file " + source.fileName() + " of " + taskDirectory + " is not in "
                + what + " (" + root + "); looked at " + tried + ". Check the folder, or unset it to "
                + "download the official archive.");
    }

    /**
     * Makes sure the official archive of a SuperGLUE task is downloaded, verified and extracted in
     * the cache, and returns the extracted folder ({@code <cache>/superglue/<Task>}).
     *
     * @throws PeftException on HTTP errors, checksum mismatches and unreadable archives
     */
    public synchronized Path ensureExtracted(String taskDirectory) {
        Path archive = cacheFolder.resolve("archives").resolve(taskDirectory + ".zip");
        Path folder = cacheFolder.resolve(DOWNLOADABLE).resolve(taskDirectory);
        try {
            if (!Files.isRegularFile(archive)) {
                download(taskDirectory, archive);
            } else if (!verified.contains(taskDirectory)) {
                verify(taskDirectory, archive, sha256(archive));
            }
            verified.add(taskDirectory);
            if (!Files.isDirectory(folder)) {
                extract(archive, folder, taskDirectory);
            }
            return folder;
        } catch (IOException e) {
            throw new PeftException("Cannot prepare the data of " + taskDirectory + " in " + cacheFolder
                    + ": " + e + ". Check the folder's permissions and free space.", e);
        }
    }

    private void download(String taskDirectory, Path archive) throws IOException {
        URI url = baseUrl.resolve(taskDirectory + ".zip");
        Files.createDirectories(archive.getParent());
        Path part = Files.createTempFile(archive.getParent(), taskDirectory + ".zip.", ".part");
        LOG.info("Downloading {} to {}", url, archive);
        try {
            HttpClient client = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(timeout)
                    .build();
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
            HttpResponse<Path> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofFile(part));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PeftException("Download of " + url + " was interrupted.", e);
            } catch (IOException e) {
                throw new PeftException("Download of " + url + " failed: " + e
                        + ". Check the network, or download the archive by hand, unzip it and point "
                        + ENVIRONMENT_VARIABLE + " at the folder.", e);
            }
            if (response.statusCode() != 200) {
                throw new PeftException("Download of " + url + " failed: HTTP " + response.statusCode()
                        + ". Check the base URL (" + baseUrl + ") and the task name, or download the archive "
                        + "by hand, unzip it and point " + ENVIRONMENT_VARIABLE + " at the folder.");
            }
            String actual = sha256(part);
            verify(taskDirectory, part, actual);
            move(part, archive);
            Path record = checksumFile(archive);
            if (!Files.exists(record)) {
                Files.writeString(record, actual + "  " + archive.getFileName() + "\n", StandardCharsets.US_ASCII);
                LOG.info("Recorded SHA-256 {} of {} in {}", actual, archive.getFileName(), record);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Checks a file's checksum against the given expectation and the recorded one. */
    private void verify(String taskDirectory, Path file, String actual) throws IOException {
        String expected = expectedChecksums.get(taskDirectory);
        if (expected != null && !expected.equalsIgnoreCase(actual)) {
            throw new PeftException("Checksum mismatch for " + taskDirectory + ".zip (" + file + "): expected SHA-256 "
                    + expected.toLowerCase(Locale.ROOT) + " but got " + actual
                    + ". The download is corrupt or the expected checksum is wrong; the file was not used.");
        }
        Path archive = file.getFileName().toString().endsWith(".part")
                ? file.resolveSibling(taskDirectory + ".zip") : file;
        Path record = checksumFile(archive);
        if (Files.isRegularFile(record)) {
            String recorded = Files.readString(record, StandardCharsets.US_ASCII).trim().split("\\s+")[0];
            if (!recorded.equalsIgnoreCase(actual)) {
                throw new PeftException("Checksum mismatch for " + taskDirectory + ".zip (" + file
                        + "): SHA-256 recorded at first download in " + record + " is " + recorded + " but the "
                        + "archive now hashes to " + actual + ". Delete " + archive + " and " + record
                        + " to download it again, or check where the change came from.");
            }
        }
    }

    private static Path checksumFile(Path archive) {
        return archive.resolveSibling(archive.getFileName() + ".sha256");
    }

    private static void extract(Path archive, Path folder, String taskDirectory) throws IOException {
        Path parent = folder.getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempDirectory(parent, "." + taskDirectory + ".extracting-");
        try {
            Path root = temp.toAbsolutePath().normalize();
            int files = 0;
            try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
                for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                    Path target = root.resolve(entry.getName()).normalize();
                    if (!target.startsWith(root)) {
                        throw new PeftException("The archive " + archive + " has an entry outside its folder ("
                                + entry.getName() + "); it was not extracted. Delete it and download again.");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(target);
                    } else {
                        Files.createDirectories(target.getParent());
                        Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
                        files++;
                    }
                }
            } catch (java.util.zip.ZipException e) {
                throw new PeftException("The archive " + archive + " is not a readable zip file (" + e.getMessage()
                        + "). Delete it and its .sha256 file to download it again.", e);
            }
            if (files == 0) {
                throw new PeftException("The archive " + archive + " holds no files. Delete it and its .sha256 "
                        + "file to download it again.");
            }
            // The official archives hold one folder named after the task: use its content.
            Path content = temp;
            try (Stream<Path> children = Files.list(temp)) {
                List<Path> list = children.toList();
                if (list.size() == 1 && Files.isDirectory(list.get(0))) {
                    content = list.get(0);
                }
            }
            try {
                move(content, folder);
            } catch (FileAlreadyExistsException e) {
                LOG.debug("{} was extracted concurrently; keeping that copy", folder);
            }
        } finally {
            deleteTree(temp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String listing(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            List<String> names = new ArrayList<>();
            files.forEach(p -> names.add(p.getFileName().toString()));
            names.sort(null);
            return names.toString();
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** The lower-case hex SHA-256 of a file. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Builds a {@link DataLocator}; every setting is optional. */
    public static final class Builder {
        private @Nullable Path dataFolder;
        private Map<String, String> environment = System.getenv();
        private @Nullable Path cacheFolder;
        private String baseUrl = DEFAULT_BASE_URL;
        private final Map<String, String> expectedChecksums = new HashMap<>();
        private Duration timeout = Duration.ofMinutes(2);

        private Builder() {}

        /** Uses this folder and nothing else (the command line's data folder flag). */
        public Builder optDataFolder(@Nullable Path dataFolder) {
            this.dataFolder = dataFolder;
            return this;
        }

        /** Reads {@value DataLocator#ENVIRONMENT_VARIABLE} from this map instead of the process environment. */
        public Builder optEnvironment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** The cache folder for downloads (default {@code ~/.peft4j/data}). */
        public Builder optCacheFolder(Path cacheFolder) {
            this.cacheFolder = cacheFolder;
            return this;
        }

        /** The folder URL holding {@code <Task>.zip} (default {@value DataLocator#DEFAULT_BASE_URL}). */
        public Builder optBaseUrl(String baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
            return this;
        }

        /**
         * The SHA-256 (hex) the archive of a task folder ({@code CB}, {@code RTE}, ...) must have;
         * checked on download and on every use.
         */
        public Builder optExpectedChecksum(String taskDirectory, String sha256) {
            if (!sha256.matches("(?i)[0-9a-f]{64}")) {
                throw new PeftException("Expected checksum for " + taskDirectory + " is '" + sha256
                        + "' but must be 64 hex digits (a SHA-256).");
            }
            expectedChecksums.put(taskDirectory, sha256);
            return this;
        }

        /** Connect and request timeout of downloads (default 2 minutes). */
        public Builder optTimeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Builds the locator. */
        public DataLocator build() {
            return new DataLocator(this);
        }
    }
}
