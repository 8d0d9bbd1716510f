package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.internal.AtomicFiles;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.experiment.ExperimentRunner;
import dev.peft4j.harness.experiment.Grid;
import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.experiment.Shard;
import dev.peft4j.harness.report.RunResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints that a kill (or a second writer) left unusable cost their run's epochs, never the
 * grid: the run restarts from scratch with a warning naming the folder. Tiny synthetic CB data
 * and the tiny random BERT, two short epochs.
 */
class CheckpointRecoveryTest {

    private static final Map<String, String> SHARED = Map.of("backbone", TinyBertFolder.shared().toString(),
            "epochs", "2", "batch-size", "2", "max-length", "32", "eval-batch-size", "4");

    private static Backbone backbone;

    @TempDir
    static Path data;

    @BeforeAll
    static void setUp() throws IOException {
        backbone = Backbones.load(TinyBertFolder.shared().toString());
        Path cb = data.resolve("CB");
        Files.createDirectories(cb);
        String[] labels = {"entailment", "contradiction", "neutral"};
        for (String split : List.of("train", "val")) {
            String lines = IntStream.range(0, 6)
                    .mapToObj(i -> "{\"premise\": \"The cat number " + i + " sat on the " + split + " mat.\", "
                            + "\"hypothesis\": \"A cat sat.\", \"label\": \"" + labels[i % 3] + "\", \"idx\": " + i + "}")
                    .collect(Collectors.joining("\n", "", "\n"));
            Files.writeString(cb.resolve(split + ".jsonl"), lines);
        }
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static PromptTrainer trainer(@Nullable Path checkpoints, TrainingListener listener) {
        return TestTrainers.of(backbone, data, checkpoints, listener);
    }

    private static Grid grid() {
        return Grid.builder().addMethod("prompt-tuning").setTasks(List.of("cb")).setSeeds(List.of(1L, 2L))
                .setPromptLengths(List.of(2)).setLearningRates(List.of(0.3)).optShared(SHARED).build();
    }

    private static final TrainingListener STOP_AFTER_FIRST_EPOCH = new TrainingListener() {
        @Override
        public void afterCheckpoint(RunSpec run, int epoch) {
            throw new IllegalStateException("killed");
        }
    };

    /** Runs {@code action} and returns what was logged (slf4j-simple writes to System.err). */
    private static <T> String logOf(Supplier<T> action) {
        PrintStream original = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            action.get();
        } finally {
            System.setErr(original);
        }
        return log.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkpointWhoseTensorsDoNotMatchItsRecordRestartsTheRunAndTheGridGoesOn(@TempDir Path results)
            throws IOException {
        Path checkpoints = results.resolve("checkpoints");
        RunSpec first = grid().expand().get(0);
        assertThatThrownBy(() -> trainer(checkpoints, STOP_AFTER_FIRST_EPOCH).train(first)).hasMessage("killed");
        Path folder = checkpoints.resolve(first.getRunId()).resolve(Checkpoint.folderName(1));
        // what a kill between two renames (or a second writer) left: tensors of another state beside the record
        Path tensors = folder.resolve(Checkpoint.TENSORS);
        byte[] bytes = Files.readAllBytes(tensors);
        bytes[bytes.length - 1] ^= 0x55;
        Files.write(tensors, bytes);

        ResultsFolder folderOfResults = new ResultsFolder(results);
        AtomicReference<List<RunResult>> done = new AtomicReference<>();
        String log = logOf(() -> done.getAndSet(new ExperimentRunner(folderOfResults)
                .run(grid(), Shard.ALL, trainer(checkpoints, new TrainingListener() {}))));

        assertThat(done.get()).hasSize(2);
        assertThat(log).contains("Checkpoint " + folder + " is unusable")
                .contains("SHA-256 differs")
                .contains("restarts from its first epoch");
        RunResult restarted = done.get().stream().filter(r -> r.runId().equals(first.getRunId())).findFirst().orElseThrow();
        RunResult fresh = trainer(null, new TrainingListener() {}).train(first).result();
        assertThat(restarted.epochs()).as("trained from scratch, as if never started").isEqualTo(fresh.epochs());
        assertThat(checkpoints.resolve(first.getRunId())).isDirectoryContaining(p -> p.getFileName().toString()
                .equals(Checkpoint.folderName(2)));
    }

    @Test
    void aResumedRunReportsTheWallTimeOfEveryProcessThatWorkedOnIt(@TempDir Path checkpoints) throws IOException {
        RunSpec first = grid().expand().get(0);
        assertThatThrownBy(() -> trainer(checkpoints, STOP_AFTER_FIRST_EPOCH).train(first)).hasMessage("killed");
        Path meta = checkpoints.resolve(first.getRunId()).resolve(Checkpoint.folderName(1)).resolve(Checkpoint.META);
        JsonObject record = JsonParser.parseString(Files.readString(meta)).getAsJsonObject();
        assertThat(record.has("secondsSpent")).as("the checkpoint records the time spent so far").isTrue();
        assertThat(record.get("secondsSpent").getAsDouble()).isPositive();
        // as if the stopped process had worked on the run for a day
        record.addProperty("secondsSpent", 86_400.0);
        Files.writeString(meta, record.toString());

        RunResult resumed = trainer(checkpoints, new TrainingListener() {}).train(first).result();

        assertThat(resumed.wallTimeSeconds()).isGreaterThanOrEqualTo(86_400.0);
    }

    @Test
    void checkpointOfAnotherRunRestartsTheRunWithAWarning(@TempDir Path checkpoints) throws IOException {
        RunSpec first = grid().expand().get(0);
        RunSpec second = grid().expand().get(1);
        assertThatThrownBy(() -> trainer(checkpoints, STOP_AFTER_FIRST_EPOCH).train(first)).hasMessage("killed");
        Files.move(checkpoints.resolve(first.getRunId()), checkpoints.resolve(second.getRunId()));
        // and a temporary folder a killed writer left behind (no process has this id)
        Path orphan = checkpoints.resolve(second.getRunId())
                .resolve("epoch-0002." + AtomicFiles.host() + "." + Integer.MAX_VALUE + ".0f8fad5b-d9cb-469f-a165-70867728950e.tmp");
        Files.createDirectories(orphan);

        String log = logOf(() -> trainer(checkpoints, new TrainingListener() {}).train(second));

        assertThat(log).contains("is unusable: it belongs to run " + first.getRunId());
        assertThat(orphan).doesNotExist();
    }
}
