package dev.peft4j.harness;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The data folders of the tests: a small synthetic SuperGLUE folder committed with the tests (for
 * the mechanics), and the real shared one (for tests tagged {@code real-data}; missing data fails,
 * it never skips). Published in this module's test jar for the examples' tests.
 */
public final class TestData {

    private static final String SYNTHETIC = "synthetic-data";
    private static @Nullable Path synthetic;

    private TestData() {}

    /** The real data: the folder named by the system property {@code peft4j.data.dir}. */
    public static Path dir() {
        String dir = System.getProperty("peft4j.data.dir");
        if (dir == null || !Files.isDirectory(Path.of(dir, "superglue"))) {
            fail("The SuperGLUE test data is missing: system property peft4j.data.dir is '" + dir
                    + "' but must name a folder holding superglue/ and fewglue/ (see shared/data/README.md).");
        }
        return Path.of(dir);
    }

    /**
     * The synthetic folder ({@code superglue/} and {@code fewglue/} files of a few invented
     * sentences each, in the tiny BERT's vocabulary): CB, RTE and COPA train/val, MultiRC val,
     * FewGLUE CB train/dev32 and ReCoRD dev32.
     */
    public static synchronized Path synthetic() {
        if (synthetic == null) {
            URL url = TestData.class.getClassLoader().getResource(SYNTHETIC);
            if (url == null) {
                fail(SYNTHETIC + "/ is not on the test class path; it belongs to the harness module's test resources");
            }
            try {
                URI uri = url.toURI();
                // from another module's tests it is inside the harness test jar: copy it out once
                synthetic = uri.getScheme().equals("jar") ? extract(uri) : Path.of(uri);
            } catch (URISyntaxException | IOException e) {
                throw new IllegalStateException("Cannot read the synthetic test data at " + url, e);
            }
        }
        return synthetic;
    }

    private static Path extract(URI uri) throws IOException {
        Path target = Files.createTempDirectory("peft4j-synthetic-data");
        target.toFile().deleteOnExit(); // deleted in the reverse order of registration: children first
        try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of());
                Stream<Path> walk = Files.walk(jar.getPath(SYNTHETIC))) {
            List<Path> sources = walk.toList();
            for (Path source : sources) {
                Path copy = target.resolve(jar.getPath(SYNTHETIC).relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(source, copy);
                }
                copy.toFile().deleteOnExit();
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return target;
    }
}
