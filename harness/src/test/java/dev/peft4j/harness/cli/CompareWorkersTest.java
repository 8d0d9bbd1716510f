package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare --workers N}: worker processes train the grid with the results of one process. */
class CompareWorkersTest {

    @TempDir
    Path folder;

    /** A four-run grid (two methods, two seeds) on synthetic CB with the tiny random BERT, a few steps each. */
    private static List<String> compare(Path results, String backbone, String... extra) {
        List<String> args = new ArrayList<>(List.of("compare", "--tasks", "cb", "--seeds", "1,2", "--no-progress",
                "--backbone", backbone, "--data", TestData.synthetic().toString(), "--results", results.toString(),
                "--epochs", "1", "--max-steps", "2", "--batch-size", "4", "--max-length", "64",
                "--train-limit", "8", "--eval-limit", "12"));
        args.addAll(List.of(extra));
        return args;
    }

    private static Map<String, RunResult> results(Path results) throws Exception {
        Map<String, RunResult> runs = new TreeMap<>();
        try (Stream<Path> files = Files.list(results)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                RunResult result = RunResultJson.read(file);
                runs.put(result.runId(), result);
            }
        }
        return runs;
    }

    @Test
    void twoWorkersGiveEveryRunTheResultOneProcessGives() throws Exception {
        String tiny = TinyBertFolder.shared().toString();
        Path alone = folder.resolve("alone");
        Path shared = folder.resolve("workers");

        CommandRun one = CommandRun.of(compare(alone, tiny, "--workers", "1"));
        CommandRun two = CommandRun.of(compare(shared, tiny, "--workers", "2"));

        assertThat(one.status()).as(one.err()).isZero();
        assertThat(two.status()).as(two.err()).isZero();
        assertThat(one.out()).doesNotContain("Workers:");
        // the surefire JVM sets one libtorch thread; the workers keep it
        assertThat(two.out()).contains("4 to do").contains("Workers: 2 processes, 1 libtorch thread each");
        Map<String, RunResult> expected = results(alone);
        Map<String, RunResult> actual = results(shared);
        assertThat(actual.keySet()).hasSize(4).isEqualTo(expected.keySet());
        for (String run : expected.keySet()) {
            // time, memory and environment describe the process, not the run
            assertThat(actual.get(run)).as(run).usingRecursiveComparison()
                    .ignoringFields("wallTimeSeconds", "peakMemoryBytes", "environment")
                    .isEqualTo(expected.get(run));
        }
        assertThat(Files.readString(shared.resolve("report/summary.md")))
                .isEqualTo(Files.readString(alone.resolve("report/summary.md")));
        assertThat(two.out()).contains("| residual-prompt").contains("| prompt-tuning");
        assertThat(shared).isDirectoryNotContaining("glob:**.lock");

        CommandRun again = CommandRun.of(compare(shared, tiny, "--workers", "2"));
        assertThat(again.status()).as(again.err()).isZero();
        assertThat(again.out()).contains("0 to do").doesNotContain("Workers:");
    }

    @Test
    void aFailingWorkerFailsTheCommandWithItsStatusAndError() throws Exception {
        Path results = folder.resolve("runs");

        CommandRun outcome = CommandRun.of(compare(results, "no-such-backbone", "--workers", "2"));

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).containsPattern("Worker [12] of 2 \\(process \\d+\\) failed with exit status 2")
                .contains("run the same command again")
                .contains("Unknown backbone 'no-such-backbone'");
        assertThat(outcome.err()).as("the worker's own lines, prefixed").contains("| error: Unknown backbone");
        assertThat(results.resolve("report")).doesNotExist();
    }

    @Test
    void noWorkersIsRefusedWithWhatToGiveInstead() {
        for (String count : List.of("0", "-2")) {
            CommandRun outcome = CommandRun.of(compare(folder.resolve("runs"), "no-such-backbone", "--workers", count));

            assertThat(outcome.status()).as(count).isEqualTo(2);
            assertThat(outcome.err()).contains("--workers " + count + " is not a number of processes")
                    .contains("give 1 (the default) to train in this process, or 2 or more");
        }
    }

    @Test
    void eachWorkerGetsItsShareOfTheCoresOrTheThreadsTheUserSet() {
        assertThat(GridWorkers.Threads.of(2, 2, null)).isEqualTo(new GridWorkers.Threads(1, "2 cores / 2 workers"));
        assertThat(GridWorkers.Threads.of(16, 3, null).threads()).isEqualTo(5);
        assertThat(GridWorkers.Threads.of(2, 4, null).threads()).as("at least one").isEqualTo(1);
        assertThat(GridWorkers.Threads.of(2, 2, "3"))
                .isEqualTo(new GridWorkers.Threads(3, "-D" + GridWorkers.THREADS_PROPERTY));
    }

    @Test
    void aWorkerEndsWhenItsParentIsKilled() throws Exception {
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanProbe.class.getName(), "parent").start();
        long worker;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                StandardCharsets.UTF_8))) {
            worker = Long.parseLong(lines.readLine().trim());
        } finally {
            parent.destroyForcibly().waitFor();
        }
        ProcessHandle handle = ProcessHandle.of(worker).orElse(null);
        if (handle != null) {
            try {
                handle.onExit().get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                handle.destroyForcibly();
                throw new AssertionError("the worker " + worker + " outlived its killed parent", e);
            }
        }
    }

    @Test
    void aWorkerRepeatsThisCommandLineWithItsThreadsAndItsIndex() {
        GridWorkers workers = new GridWorkers(List.of("-v", "compare", "--workers", "2"), 2,
                new GridWorkers.Threads(1, "test"), true, new PrintWriter(Writer.nullWriter()),
                new PrintWriter(Writer.nullWriter()));

        List<String> command = workers.command(2);

        assertThat(command.get(0)).endsWith("java");
        assertThat(command).contains("-D" + GridWorkers.THREADS_PROPERTY + "=1")
                .containsSubsequence("-cp", System.getProperty("java.class.path"), Peft4jCommand.class.getName(),
                        "-v", "compare", "--workers", "2", "--worker", "2/2", "--worker-parent",
                        Long.toString(ProcessHandle.current().pid()));
    }
}
