package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.backbones.TinyT5Folder;
import dev.peft4j.harness.TestData;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A T5 folder on the command line end to end, with the tiny T5 and its generated tokenizer on the
 * synthetic RTE data: train (the text-to-text head chosen for the T5 folder), eval of the export,
 * compare, export of a compared run, and prediction from the export.
 */
class TextToTextCommandTest {

    private static List<String> bounded(Path results, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--backbone", TinyT5Folder.shared().toString(),
                "--data", TestData.synthetic().toString(), "--results", results.toString(),
                "--epochs", "2", "--batch-size", "8", "--max-length", "64",
                "--train-limit", "16", "--eval-limit", "8", "--no-progress"));
        return all;
    }

    @Test
    void trainEvalCompareExportAndPredictOnATinyT5(@TempDir Path folder) throws Exception {
        Path export = folder.resolve("export");
        CommandRun trained = CommandRun.of(bounded(folder.resolve("train"), "train", "--task", "rte", "--method",
                "residual-prompt", "-n", "4", "--lr", "0.3", "--export-dir", export.toString()));

        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("best accuracy").contains("exported to");
        assertThat(export.resolve("head.safetensors")).doesNotExist();
        assertThat(Files.readString(export.resolve("peft4j.json"))).contains("\"head\": \"text-to-text\"")
                .contains("rte sentence1: {text_a} sentence2: {text_b}");
        assertThat(Files.readString(export.resolve(PromptAdapterFiles.CONFIG_FILE)))
                .contains("\"task_type\": \"SEQ_2_SEQ_LM\"");

        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--data",
                TestData.synthetic().toString());
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("rte val (16 examples)").contains("accuracy=");

        try (Predictor predictor = Predictor.open(export, ai.djl.Device.cpu())) {
            Prediction prediction = predictor.predict("Max painted the old coat.", "Max painted a coat.");
            assertThat(prediction.label()).isIn("entailment", "not_entailment");
            assertThat(prediction.probabilities().values().stream().mapToDouble(Double::doubleValue).sum())
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }

        Path compared = folder.resolve("compare");
        CommandRun comparison = CommandRun.of(bounded(compared, "compare", "--methods", "prompt-tuning,residual-prompt",
                "--tasks", "rte", "--seeds", "1", "--prompt-lengths", "4"));
        assertThat(comparison.status()).as(comparison.err()).isZero();
        assertThat(comparison.out()).contains("| prompt-tuning").contains("| residual-prompt");
        String runId;
        try (Stream<Path> files = Files.list(compared)) {
            runId = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("residual-prompt_rte"))
                    .filter(n -> n.endsWith(".json")).findFirst().orElseThrow().replace(".json", "");
        }
        Path exported = folder.resolve("exported");
        CommandRun exportRun = CommandRun.of("export", "--results", compared.toString(), "--run", runId, "--out",
                exported.toString());
        assertThat(exportRun.status()).as(exportRun.err()).isZero();
        assertThat(Files.readString(exported.resolve("peft4j.json"))).contains("\"head\": \"text-to-text\"");
    }

    @Test
    void aLinearHeadOnAT5FolderIsRefusedWithTheHeadItNeeds(@TempDir Path results) {
        CommandRun outcome = CommandRun.of(bounded(results, "train", "--task", "rte", "--head", "linear"));

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("--head text-to-text").doesNotContain("\tat ");
    }
}
