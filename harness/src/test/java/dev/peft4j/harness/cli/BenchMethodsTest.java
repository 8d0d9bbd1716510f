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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --methods}: the paired per-method step time, on the tiny random BERT. */
class BenchMethodsTest {

    private static List<String> bench(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("bench", "--backbone", TinyBertFolder.shared().toString(),
                "--batch", "2", "--length", "24", "-n", "4", "--warmup", "1", "--rounds", "3", "--round-steps", "2",
                // one libtorch thread: see BenchCommandTest
                "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void writesOneRowPerMethodWithItsTrainableValuesAndNoOtherSection(@TempDir Path out) throws IOException {
        CommandRun run = CommandRun.of(bench(out, "--methods", "prompt-tuning,lora,prefix-tuning",
                "--method-options", "lora:rank=1"));
        assertThat(run.status()).as(run.err()).isZero();

        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("bench.json"))).getAsJsonObject();
        JsonArray rows = json.getAsJsonObject("methodSteps").getAsJsonArray("rows");
        assertThat(rows).hasSize(3);
        JsonObject prompt = rows.get(0).getAsJsonObject();
        JsonObject lora = rows.get(1).getAsJsonObject();
        JsonObject prefix = rows.get(2).getAsJsonObject();
        assertThat(prompt.get("method").getAsString()).isEqualTo("prompt-tuning");
        assertThat(lora.get("method").getAsString()).isEqualTo("lora");
        assertThat(lora.getAsJsonObject("options").get("rank").getAsString()).isEqualTo("1");
        // prompt tuning: n·d; LoRA rank 1 on query and value: L · 2 · r · (d + d)
        int d = TinyBertFolder.HIDDEN;
        assertThat(number(prompt, "methodTrainable")).isEqualTo(4 * d);
        assertThat(number(lora, "methodTrainable")).isEqualTo(TinyBertFolder.LAYERS * 2 * (d + d));
        // prefix tuning: m · L · 2 · d
        assertThat(number(prefix, "methodTrainable")).isEqualTo(4 * TinyBertFolder.LAYERS * 2 * d);
        // the same linear head on both
        double head = number(prompt, "trainable") - number(prompt, "methodTrainable");
        assertThat(head).isPositive().isEqualTo(number(lora, "trainable") - number(lora, "methodTrainable"));
        // every method fills the same position budget (--length 24), as in training: the prompt takes 4 of
        // them (20 text tokens, the first method's, reported as textTokens); LoRA and the prefix take none
        assertThat(number(json, "methodSteps.textTokens")).isEqualTo(20);
        assertThat(number(prompt, "positions")).isEqualTo(24);
        assertThat(number(lora, "positions")).isEqualTo(24);
        assertThat(number(prefix, "positions")).isEqualTo(24);
        for (JsonObject row : List.of(prompt, lora, prefix)) {
            assertThat(number(row, "seconds.samples")).isEqualTo(3);
            assertThat(number(row, "seconds.median")).isPositive();
            assertThat(number(row, "meanSeconds")).isPositive();
            assertThat(number(row, "worstSeconds")).isPositive();
            assertThat(number(row, "pairedRatioToFirst")).isPositive();
        }
        assertThat(number(prompt, "ratioToFirst")).isEqualTo(1.0);
        assertThat(number(json, "methodSteps.stepsPerRound")).isEqualTo(2);
        assertThat(json.has("step")).isFalse();
        assertThat(json.getAsJsonArray("gemm")).isEmpty();

        String markdown = Files.readString(out.resolve("bench.md"));
        assertThat(markdown).contains("## Training step per method", "| prompt-tuning | defaults | 4 (input) |",
                "| lora | {rank=1} | 4 (unused) |",
                "| prefix-tuning | defaults | 4 (prefix per layer) |", "Load average");
        assertThat(markdown).doesNotContain("## GEMM peak", "## Training step\n", "## Inference");
        assertThat(run.out()).contains("prompt-tuning: ", "lora {rank=1}: ", "bench.md");
    }

    @Test
    void aMethodWithTwoOptionSetsGetsTwoRows(@TempDir Path out) throws IOException {
        CommandRun run = CommandRun.of(bench(out, "--methods", "lora",
                "--method-options", "lora:rank=1;lora:rank=2,targets=value"));
        assertThat(run.status()).as(run.err()).isZero();
        JsonArray rows = JsonParser.parseString(Files.readString(out.resolve("bench.json"))).getAsJsonObject()
                .getAsJsonObject("methodSteps").getAsJsonArray("rows");
        assertThat(rows).hasSize(2);
        int d = TinyBertFolder.HIDDEN;
        assertThat(number(rows.get(0).getAsJsonObject(), "methodTrainable")).isEqualTo(TinyBertFolder.LAYERS * 2 * 2 * d);
        assertThat(number(rows.get(1).getAsJsonObject(), "methodTrainable")).isEqualTo(TinyBertFolder.LAYERS * 2 * 2 * d);
    }

    @Test
    void allSectionsAddsTheMethodsToTheFullReport(@TempDir Path out) throws IOException {
        CommandRun run = CommandRun.of(bench(out, "--methods", "prompt-tuning,lora", "--all-sections", "--steps", "2",
                "--gemm-sizes", "64", "--inference-batch", "2", "--repeats", "1", "--no-compare-threads",
                "--no-compare-precision", "--bert-base-steps", "0"));
        assertThat(run.status()).as(run.err()).isZero();
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("bench.json"))).getAsJsonObject();
        assertThat(json.getAsJsonObject("methodSteps").getAsJsonArray("rows")).hasSize(2);
        assertThat(number(json, "step.seconds.median")).isPositive();
        assertThat(Files.readString(out.resolve("bench.md"))).contains("## GEMM peak", "## Training step per method");
        assertThat(run.out()).contains("GEMM peak");
    }

    @Test
    void anUnknownMethodGetsTheRegistrysMessage(@TempDir Path out) {
        CommandRun run = CommandRun.of(bench(out, "--methods", "prompt-tuning,lorra"));
        assertThat(run.status()).isNotZero();
        assertThat(run.err()).contains("Unknown method 'lorra'", "Did you mean 'lora'?");
        assertThat(out.resolve("bench.json")).doesNotExist();
    }

    @Test
    void anOptionTheMethodDoesNotKnowGetsThePluginsMessage(@TempDir Path out) {
        CommandRun run = CommandRun.of(bench(out, "--methods", "lora", "--method-options", "lora:rnk=2"));
        assertThat(run.status()).isNotZero();
        assertThat(run.err()).contains("rnk");
        assertThat(out.resolve("bench.json")).doesNotExist();
    }

    @Test
    void optionsOfAMethodNotComparedOrOfTheSingleMethodAreRefused(@TempDir Path out) {
        CommandRun other = CommandRun.of(bench(out, "--methods", "lora", "--method-options", "prefix-tuning:projection=true"));
        assertThat(other.status()).isNotZero();
        assertThat(other.err()).contains("--method-options names 'prefix-tuning', which is not in --methods");
        CommandRun single = CommandRun.of(bench(out, "--methods", "lora", "-o", "rank=2"));
        assertThat(single.status()).isNotZero();
        assertThat(single.err()).contains("--method-options 'method:name=value");
        CommandRun malformed = CommandRun.of(bench(out, "--methods", "lora", "--method-options", "rank=2"));
        assertThat(malformed.status()).isNotZero();
        assertThat(malformed.err()).contains("is not of the form method:name=value");
        CommandRun alone = CommandRun.of(bench(out, "--all-sections"));
        assertThat(alone.status()).isNotZero();
        assertThat(alone.err()).contains("go with --methods");
    }
}
