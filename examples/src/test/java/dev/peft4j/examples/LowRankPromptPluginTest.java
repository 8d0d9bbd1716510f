package dev.peft4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.testkit.ReparameterizerPluginContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's "Writing a method plugin": a complete DPT plugin (no n×d prompt parameter) in at
 * most 50 lines, written against the API alone, passes the plugin contract.
 */
class LowRankPromptPluginTest extends ReparameterizerPluginContract {

    private static final Path SOURCE = Path.of("src/test/java/dev/peft4j/examples/LowRankPromptPlugin.java");

    @Override
    protected ReparameterizerPlugin plugin() {
        return new LowRankPromptPlugin();
    }

    @Override
    protected List<Map<String, ?>> invalidOptions() {
        return List.of(Map.of("rank", "0"));
    }

    @Test
    void fitsInFiftyLinesAndImportsOnlyTheApiAndDjl() throws IOException {
        List<String> lines = Files.readAllLines(SOURCE);
        assertThat(lines).hasSizeLessThanOrEqualTo(50);
        assertThat(lines.stream().filter(l -> l.startsWith("import ")))
                .allMatch(l -> l.startsWith("import dev.peft4j.api.") || l.startsWith("import ai.djl.")
                        || l.startsWith("import java."));
    }
}
