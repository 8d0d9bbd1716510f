package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.backbones.TinyBertFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's id names its data: the same command on other data is another run, never a resumed or
 * skipped one; and a run's record holds every method option, defaults included. Tiny synthetic
 * data, one or two short steps.
 */
class RunIdentityCommandTest {

    private static List<String> bounded(Path results, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--backbone", TinyBertFolder.shared().toString(),
                "--results", results.toString(), "--epochs", "2", "--max-steps", "1",
                "--batch-size", "2", "--max-length", "24"));
        return all;
    }

    private static Path jsonl(Path file, String... lines) throws IOException {
        return Files.writeString(file, String.join("\n", lines) + "\n");
    }

    private static List<Path> results(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    @Test
    void trainingOnOtherFilesIsANewRunNotAResumedOne(@TempDir Path folder) throws Exception {
        Path a = jsonl(folder.resolve("a.jsonl"), "{\"text\": \"a fine film\", \"label\": \"pos\"}",
                "{\"text\": \"a dull film\", \"label\": \"neg\"}");
        Path b = jsonl(folder.resolve("b.jsonl"), "{\"text\": \"great acting\", \"label\": \"pos\"}",
                "{\"text\": \"poor acting\", \"label\": \"neg\"}");
        Path val = jsonl(folder.resolve("val.jsonl"), "{\"text\": \"lovely\", \"label\": \"pos\"}",
                "{\"text\": \"tiring\", \"label\": \"neg\"}");
        Path runs = folder.resolve("runs");

        CommandRun first = CommandRun.of(bounded(runs, "train", "--task", "mine", "--method", "prompt-tuning",
                "-n", "2", "--train-file", a.toString(), "--val-file", val.toString(), "--text-fields", "text"));
        CommandRun second = CommandRun.of(bounded(runs, "train", "--task", "mine", "--method", "prompt-tuning",
                "-n", "2", "--train-file", b.toString(), "--val-file", val.toString(), "--text-fields", "text"));

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(second.status()).as(second.err()).isZero();
        // a resumed run would print no epoch: its checkpoint already holds both
        assertThat(second.out()).contains("epoch 1").contains("epoch 2");
        List<Path> files = results(runs);
        assertThat(files).hasSize(2);
        assertThat(json(files.get(0)).getAsJsonObject("config").get("data").getAsString())
                .isNotEqualTo(json(files.get(1)).getAsJsonObject("config").get("data").getAsString());

        // the same files under another label set are other data too
        CommandRun relabelled = CommandRun.of(bounded(runs, "train", "--task", "mine", "--method", "prompt-tuning",
                "-n", "2", "--train-file", b.toString(), "--val-file", val.toString(), "--text-fields", "text",
                "--labels", "pos,neg"));
        assertThat(relabelled.status()).as(relabelled.err()).isZero();
        assertThat(results(runs)).hasSize(3);
    }

    private static Path cbFolder(Path root, String premise) throws IOException {
        Path cb = Files.createDirectories(root.resolve("superglue").resolve("CB"));
        List<String> lines = new ArrayList<>();
        String[] labels = {"entailment", "contradiction", "neutral"};
        for (int i = 0; i < 3; i++) {
            lines.add("{\"premise\": \"" + premise + " " + i + "\", \"hypothesis\": \"it is " + i
                    + "\", \"label\": \"" + labels[i] + "\", \"idx\": " + i + "}");
        }
        jsonl(cb.resolve("train.jsonl"), lines.toArray(String[]::new));
        jsonl(cb.resolve("val.jsonl"), lines.toArray(String[]::new));
        return root;
    }

    @Test
    void compareOnOtherDataNeitherSkipsNorMixesWithTheFinishedRunsOfAFolder(@TempDir Path folder) throws Exception {
        Path one = cbFolder(folder.resolve("one"), "the sky was blue");
        Path other = cbFolder(folder.resolve("other"), "the cat slept");
        Path runs = folder.resolve("runs");

        CommandRun first = CommandRun.of(compare(runs, one));
        CommandRun elsewhere = CommandRun.of(compare(runs, other));
        CommandRun ownFolder = CommandRun.of(compare(folder.resolve("other-runs"), other));

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.out()).contains("1 to do");
        // the folder's run is of other data: refused before training, not skipped, not mixed into one report
        assertThat(elsewhere.status()).isNotZero();
        assertThat(elsewhere.err()).contains("differs in [data]").contains("new results folder");
        assertThat(results(runs)).hasSize(1);
        assertThat(ownFolder.status()).as(ownFolder.err()).isZero();
        assertThat(ownFolder.out()).contains("1 to do");
        assertThat(json(results(folder.resolve("other-runs")).get(0)).getAsJsonObject("config").get("data"))
                .isNotEqualTo(json(results(runs).get(0)).getAsJsonObject("config").get("data"));
    }

    @Test
    void aBrokenResultFileIsStillRepeatedAndReplaced(@TempDir Path folder) throws Exception {
        Path data = cbFolder(folder.resolve("data"), "the sky was blue");
        Path runs = folder.resolve("runs");
        assertThat(CommandRun.of(compare(runs, data)).status()).isZero();
        Files.writeString(results(runs).get(0), "{ broken");

        CommandRun again = CommandRun.of(compare(runs, data));

        assertThat(again.status()).as(again.err()).isZero();
        assertThat(again.out()).contains("1 to do");
        assertThat(json(results(runs).get(0)).get("runId").getAsString()).isNotEmpty();
    }

    private static List<String> compare(Path results, Path data) {
        return bounded(results, "compare", "--methods", "prompt-tuning", "--prompt-lengths", "2", "--tasks", "cb",
                "--seeds", "1", "--no-progress", "--data", data.toString());
    }

    @Test
    void reportReadsResultsWrittenBeforeRunIdsNamedTheirData(@TempDir Path folder) throws Exception {
        Path old = Path.of(Objects.requireNonNull(getClass().getResource("/old-results")).toURI());

        CommandRun report = CommandRun.of(List.of("report", "--results", old.toString(), "--out", folder.toString()));

        assertThat(report.status()).as(report.err()).isZero();
        assertThat(Files.readString(folder.resolve("summary.md"))).contains("| prompt-tuning");
    }

    @Test
    void resultAndExportRecordEveryMethodOptionDefaultsIncluded(@TempDir Path folder) throws Exception {
        Path train = jsonl(folder.resolve("train.jsonl"), "{\"text\": \"a fine film\", \"label\": \"pos\"}",
                "{\"text\": \"a dull film\", \"label\": \"neg\"}");
        Path runs = folder.resolve("runs");
        Path export = folder.resolve("export");

        CommandRun trained = CommandRun.of(bounded(runs, "train", "--task", "mine", "--method", "residual-prompt", "-n", "2",
                "-o", "bottleneck=8", "--train-file", train.toString(), "--val-file", train.toString(),
                "--text-fields", "text", "--export-dir", export.toString()));

        assertThat(trained.status()).as(trained.err()).isZero();
        JsonObject options = json(results(runs).get(0)).getAsJsonObject("methodOptions");
        assertThat(options.get("bottleneck").getAsString()).isEqualTo("8");
        assertThat(options.keySet()).contains("activation", "dropout", "layer-norm");
        JsonObject exported = json(export.resolve("peft4j.json")).getAsJsonObject("options");
        assertThat(exported.keySet()).isEqualTo(options.keySet());
        assertThat(exported.get("activation").getAsString()).isEqualTo(options.get("activation").getAsString());
    }
}
