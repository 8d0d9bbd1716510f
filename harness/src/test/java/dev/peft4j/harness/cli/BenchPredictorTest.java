package dev.peft4j.harness.cli;

import static dev.peft4j.harness.cli.JsonNumbers.number;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.backbones.TinyBertFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peft4j bench --predictor}: the predictor section lands in bench.json and bench.md. */
class BenchPredictorTest {

    @Test
    void writesThePredictorSection(@TempDir Path out) throws IOException {
        // the other sections as small as they go; one libtorch thread, as in BenchCommandTest
        int status = Peft4jCommand.execute("bench", "--backbone", TinyBertFolder.shared().toString(),
                "--batch", "2", "--length", "16", "-n", "4", "--steps", "2",
                "--warmup", "0", "--gemm-sizes", "32", "--inference-batch", "4", "--repeats", "1", "--threads", "1",
                "--no-compare-threads", "--no-compare-precision",
                "--predictor", "--predictor-calls", "4", "--predictor-batch-calls", "2", "--out", out.toString());
        assertThat(status).isZero();

        JsonObject predictor = JsonParser.parseString(Files.readString(out.resolve("bench.json"))).getAsJsonObject()
                .getAsJsonObject("predictor");
        assertThat(predictor).as("predictor section").isNotNull();
        assertThat(predictor.get("maxLength").getAsInt()).isEqualTo(128);
        assertThat(predictor.get("batchSize").getAsInt()).isEqualTo(4);
        assertThat(predictor.get("latencyExportedOverPlain").getAsDouble()).isPositive();
        assertThat(predictor.get("throughputExportedOverPlain").getAsDouble()).isPositive();
        JsonArray rows = predictor.getAsJsonArray("rows");
        assertThat(rows).hasSize(3);
        int[] prompts = new int[3];
        int[] positions = new int[3];
        for (int i = 0; i < 3; i++) {
            JsonObject row = rows.get(i).getAsJsonObject();
            prompts[i] = row.get("promptLength").getAsInt();
            positions[i] = row.get("batchPositions").getAsInt();
            assertThat(number(row, "latencySeconds.samples")).isEqualTo(4);
            assertThat(number(row, "latencySeconds.median")).isPositive();
            assertThat(number(row, "latencySeconds.p90")).isGreaterThanOrEqualTo(number(row, "latencySeconds.median"));
            assertThat(number(row, "batchSeconds.samples")).isEqualTo(2);
            assertThat(number(row, "batchSeconds.median")).isPositive();
            assertThat(number(row, "pairsPerSecond")).isPositive();
        }
        assertThat(prompts).containsExactly(4, 4, 0);
        // the same pairs, so the prompt is the only difference in length
        assertThat(positions[0]).isEqualTo(positions[1]).isEqualTo(positions[2] + 4);

        String markdown = Files.readString(out.resolve("bench.md"));
        assertThat(markdown).contains("## Predictor (export folders, end to end)", "exported residual prompt",
                "exported plain prompt (prompt-tuning)", "no prompt", "pairs/s", "Exported residual over plain prompt");
    }
}
