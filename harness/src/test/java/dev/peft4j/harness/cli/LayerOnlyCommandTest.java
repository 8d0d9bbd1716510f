package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line with methods that act only inside the layers, on the tiny random BERT and
 * synthetic CB: a comparison of prefix tuning, residual prefix and LoRA end to end, and a LoRA run
 * exported, evaluated and rebuilt from its checkpoint.
 */
class LayerOnlyCommandTest {

    private static List<String> bounded(Path results, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--backbone", TinyBertFolder.shared().toString(),
                "--data", TestData.synthetic().toString(), "--results", results.toString(),
                "--epochs", "1", "--max-steps", "2", "--batch-size", "4", "--max-length", "64",
                "--train-limit", "8", "--eval-limit", "12", "--no-progress"));
        return all;
    }

    @Test
    void compareTrainsLoraPrefixTuningAndResidualPrefix(@TempDir Path results) throws Exception {
        CommandRun outcome = CommandRun.of(bounded(results, "compare", "--tasks", "cb", "--seeds", "1",
                "--methods", "lora,prefix-tuning,residual-prefix", "--prompt-lengths", "3"));

        assertThat(outcome.status()).as(outcome.err()).isZero();
        Map<String, RunResult> runs = new TreeMap<>();
        try (Stream<Path> files = Files.list(results)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                RunResult result = RunResultJson.read(file);
                runs.put(result.methodId(), result);
            }
        }
        assertThat(runs.keySet()).containsExactly("lora", "prefix-tuning", "residual-prefix");
        long head = 3L * TinyBertFolder.HIDDEN + 3;
        long prefix = 3L * TinyBertFolder.LAYERS * 2 * TinyBertFolder.HIDDEN;
        assertThat(runs.get("prefix-tuning").trainableParameters()).isEqualTo(prefix + head);
        assertThat(runs.get("prefix-tuning").exportedPromptParameters()).isEqualTo(prefix);
        assertThat(runs.get("residual-prefix").exportedPromptParameters()).isEqualTo(prefix);
        assertThat(runs.get("residual-prefix").trainableParameters()).isGreaterThan(prefix + head);
        assertThat(runs.get("lora").trainableParameters()).isGreaterThan(head);
        assertThat(runs.values()).allSatisfy(r -> assertThat(r.epochs()).singleElement()
                .satisfies(e -> assertThat(e.trainLoss()).isFinite()));
        assertThat(outcome.out()).contains("| lora").contains("| prefix-tuning").contains("| residual-prefix");
    }

    @Test
    void aLoraRunExportsEvaluatesAndRebuildsFromItsCheckpoint(@TempDir Path results, @TempDir Path export)
            throws Exception {
        CommandRun trained = CommandRun.of(bounded(results, "train", "--task", "cb", "--method", "lora",
                "-o", "rank=2", "-o", "targets=query,value,output", "-n", "1", "--export-dir", export.toString())
                .toArray(String[]::new));

        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(Files.readString(export.resolve("adapter_config.json"))).contains("\"peft_type\": \"LORA\"")
                .contains("\"encoder.layer.1.output.dense\"");
        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--data",
                TestData.synthetic().toString());
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("cb val (12 examples)").contains("acc_f1=");

        String runId;
        try (var files = Files.list(results)) {
            runId = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).findFirst()
                    .orElseThrow().replace(".json", "");
        }
        Path again = results.resolve("exported-again");
        CommandRun exported = CommandRun.of("export", "--results", results.toString(), "--run", runId, "--out",
                again.toString());
        assertThat(exported.status()).as(exported.err()).isZero();
        assertThat(exported.out()).contains("LORA r=2");
        for (String file : new String[] {"adapter_model.safetensors", "head.safetensors", "adapter_config.json"}) {
            assertThat(Files.readAllBytes(again.resolve(file))).as(file).isEqualTo(Files.readAllBytes(export.resolve(file)));
        }
    }
}
