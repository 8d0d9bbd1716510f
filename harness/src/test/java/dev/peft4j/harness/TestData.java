package dev.peft4j.harness;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shared SuperGLUE data folder of the tests; missing data fails, it never skips. */
public final class TestData {

    private TestData() {}

    /** The folder named by the system property {@code peft4j.data.dir}. */
    public static Path dir() {
        String dir = System.getProperty("peft4j.data.dir");
        if (dir == null || !Files.isDirectory(Path.of(dir, "superglue"))) {
            fail("The SuperGLUE test data is missing: system property peft4j.data.dir is '" + dir
                    + "' but must name a folder holding superglue/ and fewglue/ (see shared/data/README.md).");
        }
        return Path.of(dir);
    }
}
