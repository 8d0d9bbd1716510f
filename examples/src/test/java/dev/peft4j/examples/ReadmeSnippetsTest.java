package dev.peft4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The project README must hold the example sources verbatim, so it never shows stale code. */
class ReadmeSnippetsTest {

    private static final Path MODULE = Path.of("").toAbsolutePath();

    @Test
    void snippetsMatchTheCompiledExamples() throws IOException {
        String snippets = Files.readString(MODULE.resolve("../README.md"));

        for (String source : new String[] {
                "src/test/java/dev/peft4j/examples/ReadmeJavaExample.java",
                "src/test/kotlin/dev/peft4j/examples/ReadmeKotlinExample.kt",
                "src/test/java/dev/peft4j/examples/PredictorJavaExample.java",
                "src/test/kotlin/dev/peft4j/examples/PredictorKotlinExample.kt",
                "src/test/java/dev/peft4j/examples/PredictorGuiceExample.java",
                "src/test/java/dev/peft4j/examples/MultiTaskJavaExample.java",
                "src/test/java/dev/peft4j/examples/LowRankPromptPlugin.java",
                "src/test/java/dev/peft4j/examples/ServerGuiceExample.java"}) {
            String code = Files.readString(MODULE.resolve(source)).strip();
            assertThat(snippets).as("README.md holds %s verbatim", source).contains(code);
        }
    }
}
