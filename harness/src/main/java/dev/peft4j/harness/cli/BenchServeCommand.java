package dev.peft4j.harness.cli;

import ai.djl.Device;
import com.google.gson.GsonBuilder;
import com.google.inject.Guice;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.server.Batching;
import dev.peft4j.server.LoadTest;
import dev.peft4j.server.PredictionServer;
import dev.peft4j.server.ServerModule;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j bench-serve}: a bounded load test of {@code peft4j serve} over loopback, in one
 * process: one backbone and predictor, a fresh server per batching mode and load level, the modes
 * alternated at each level so both see the same machine. Writes a Markdown table and JSON.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true,
        description = "Load-test the prediction service over loopback: 1/4/16/64 concurrent clients over several "
                + "tasks, mixed-task batches against one task per batch; throughput, p50/p99 latency, errors.")
final class BenchServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--prompts", split = ",", paramLabel = "[NAME=]DIR",
            description = "Export folders to serve (default: --synthetic-tasks random exports of --backbone).")
    @Nullable List<String> prompts;

    @Option(names = "--synthetic-tasks", defaultValue = "3",
            description = "Without --prompts: this many exports with random prompts and heads, which cost what "
                    + "trained ones cost to serve (default: ${DEFAULT-VALUE}).")
    int syntheticTasks;

    @Option(names = "--backbone", defaultValue = "all-minilm-l6-v2",
            description = "Backbone of the synthetic exports (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--prompt-length", defaultValue = "20",
            description = "Prompt vectors of the synthetic exports (default: ${DEFAULT-VALUE}).")
    int promptLength;

    @Option(names = "--max-length", defaultValue = "128",
            description = "Positions per sequence of the synthetic exports, prompt included (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--clients", split = ",", defaultValue = "1,4,16,64",
            description = "Concurrent clients per level (default: ${DEFAULT-VALUE}).")
    List<Integer> clients;

    @Option(names = "--batching", split = ",", defaultValue = "mixed,per-task",
            converter = ServeCommand.BatchingConverter.class,
            description = "Batching modes compared, alternated at each level (default: ${DEFAULT-VALUE}).")
    List<Batching> batchings;

    @Option(names = "--requests", defaultValue = "2000",
            description = "Most requests per level and mode (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = "--seconds", defaultValue = "30",
            description = "Most seconds per level and mode (default: ${DEFAULT-VALUE}).")
    long seconds;

    @Option(names = "--warmup", defaultValue = "20",
            description = "Unmeasured requests before each level (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--out", defaultValue = "runs/bench-serve",
            description = "Folder for serve-load.md and serve-load.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Mixin
    ServingOptions serving;

    @Mixin
    DeviceOptions where;

    @Override
    public Integer call() throws IOException {
        PrintWriter writer = spec.commandLine().getOut();
        Path synthetic = null;
        Map<String, Path> exports;
        String backboneName;
        if (prompts != null) {
            exports = ServingOptions.exports(prompts);
            backboneName = ExportFolder.read(exports.values().iterator().next()).settings().backbone();
        } else {
            exports = Map.of();
            backboneName = backbone;
        }
        List<LoadTest.Result> results = new ArrayList<>();
        Instant started = Instant.now();
        try (Backbone loaded = Backbones.load(backboneName, Device.fromName(where.device))) {
            if (prompts == null) {
                synthetic = Files.createTempDirectory("peft4j-bench-serve");
                exports = LoadTest.writeSyntheticExports(loaded, syntheticTasks, promptLength, maxLength, synthetic);
            }
            try (MultiTaskPredictor predictor = MultiTaskPredictor.open(loaded, exports)) {
                List<String> tasks = List.copyOf(predictor.getTasks());
                List<String> texts = LoadTest.sampleTexts(256, 42);
                writer.printf("Load test of %d tasks %s on %s: clients %s, at most %d requests or %d s per level%n",
                        tasks.size(), tasks, loaded.getName(), clients, requests, seconds);
                writer.flush();
                for (int level : clients) {
                    for (Batching batching : batchings) {
                        String label = batching.name().toLowerCase(Locale.ROOT).replace('_', '-');
                        try (PredictionServer server = Guice.createInjector(new ServerModule(serving.settings()
                                        .optPort(0).optBatching(batching).optQueueCapacity(Math.max(serving.queue,
                                                level)).build()),
                                binder -> binder.bind(MultiTaskPredictor.class).toInstance(predictor))
                                .getInstance(PredictionServer.class).start()) {
                            LoadTest load = new LoadTest(server.getUri(), tasks, texts, requests,
                                    Duration.ofSeconds(seconds));
                            load.warmUp(warmup);
                            LoadTest.Result result = load.run(label, level);
                            results.add(result);
                            writer.print(LoadTest.markdown(List.of(result)).lines().skip(2)
                                    .reduce("", (a, b) -> a + b + System.lineSeparator()));
                            writer.flush();
                        }
                    }
                }
            }
        } finally {
            if (synthetic != null) {
                deleteTree(synthetic);
            }
        }
        Files.createDirectories(out);
        String table = LoadTest.markdown(results);
        Files.writeString(out.resolve("serve-load.md"), table, StandardCharsets.UTF_8);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backbone", backboneName);
        json.put("tasks", exports.keySet());
        json.put("synthetic", prompts == null);
        json.put("started", started.toString());
        json.put("device", where.device);
        json.put("maxBatch", serving.maxBatch);
        json.put("maxWaitMillis", serving.maxWaitMillis);
        json.put("results", results);
        Files.writeString(out.resolve("serve-load.json"), new GsonBuilder().setPrettyPrinting()
                .serializeSpecialFloatingPointValues().create().toJson(json), StandardCharsets.UTF_8);
        writer.println();
        writer.print(table);
        writer.printf("Written to %s and %s%n", out.resolve("serve-load.md"), out.resolve("serve-load.json"));
        long errors = results.stream().mapToLong(LoadTest.Result::errors).sum();
        if (errors > 0) {
            throw new PeftException(errors + " requests failed during the load test; see the table above.");
        }
        return 0;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
