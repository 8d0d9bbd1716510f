package dev.peft4j.harness.cli;

import dev.peft4j.harness.bench.Benchmark;
import dev.peft4j.harness.bench.BenchmarkReport;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.train.MatmulPrecision;
import java.io.PrintWriter;
import dev.peft4j.api.InvalidOptionException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j bench}: performance ratios measured in one process, written as JSON and Markdown. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure GEMM peak, training-step FLOP/s, Φ share, inference latency, memory and load time; "
                + "with --methods, the training-step time per method, paired in one process.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--backbone", defaultValue = "all-minilm-l6-v2", description = "Backbone (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--batch", defaultValue = "16", description = "Training batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--length", defaultValue = "128", description = "Positions per sequence incl. prompt (default: ${DEFAULT-VALUE}).")
    int length;

    @Mixin
    MethodOptions methodOptions;

    @Option(names = "--steps", defaultValue = "500", description = "Measured training steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "5", description = "Unmeasured steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--gemm-sizes", split = ",", defaultValue = "1024,2048", description = "Square GEMM sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> gemmSizes;

    @Option(names = "--inference-batch", defaultValue = "32", description = "Larger inference batch (default: ${DEFAULT-VALUE}).")
    int inferenceBatch;

    @Option(names = "--repeats", defaultValue = "10", description = "Repeats per GEMM and inference measurement (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--precision", defaultValue = "float32", description = "float32 or bf16-matmul for the whole run (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--compare-precision", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also time the step under float32 and bf16-matmul (default: ${DEFAULT-VALUE}).")
    boolean comparePrecision;

    @Option(names = "--compare-threads", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also time the step with 1 intra-op thread and with one per core (default: ${DEFAULT-VALUE}).")
    boolean compareThreads;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch intra-op threads, 0 for the engine's default.")
    int threads;

    @Option(names = "--rte-epoch", description = "Also time a full RTE training epoch with and without bucketing.")
    boolean rteEpoch;

    @Option(names = "--predictor", description = "Also time the Predictor on export folders: exported residual "
            + "prompt vs plain prompt vs no prompt, single-pair latency and batched throughput.")
    boolean predictor;

    @Option(names = "--predictor-calls", defaultValue = "200",
            description = "Timed single-pair predictor calls per variant (default: ${DEFAULT-VALUE}).")
    int predictorCalls;

    @Option(names = "--predictor-batch-calls", defaultValue = "20",
            description = "Timed batched predictor calls (--inference-batch pairs each) per variant (default: ${DEFAULT-VALUE}).")
    int predictorBatchCalls;

    @Option(names = "--bert-base-steps", defaultValue = "20",
            description = "Measured training steps at BERT-Base's shape (random weights, batch 8), 0 to skip "
                    + "(default: ${DEFAULT-VALUE}).")
    int bertBaseSteps;

    @Option(names = "--methods", split = ",", description = "Time the training step of each method (plugin ids), "
            + "paired in this process on one backbone, batch and head; skips the other sections unless "
            + "--all-sections.")
    List<String> methods = new ArrayList<>();

    @Option(names = "--method-options", split = ";", description = "Option sets per method for --methods, as in "
            + "compare, e.g. 'lora:rank=4,targets=query+value;prefix-tuning:projection=true'; a method with two sets "
            + "gets two rows.")
    List<String> methodOptionSets = new ArrayList<>();

    @Option(names = "--rounds", defaultValue = "10",
            description = "With --methods: timed rounds, each method once per round (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--round-steps", defaultValue = "5",
            description = "With --methods: training steps per method per round (default: ${DEFAULT-VALUE}).")
    int roundSteps;

    @Option(names = "--all-sections", description = "With --methods: also run the other sections (GEMM, step, "
            + "inference, memory, precision, threads, BERT-Base shape).")
    boolean allSections;

    @Mixin
    DeviceOptions where;

    @Option(names = "--out", defaultValue = "runs/bench", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Benchmark.Builder builder = Benchmark.builder()
                .optBackbone(backbone).optDevice(where.device).optBatchSize(batch).optLength(length)
                .optPromptLength(methodOptions.promptLength).optMethod(methodOptions.method, methodOptions.options)
                .optSteps(steps).optWarmup(warmup)
                .optGemmSizes(gemmSizes).optInferenceBatch(inferenceBatch).optRepeats(repeats)
                .optComparePrecision(comparePrecision).optCompareThreads(compareThreads).optPrecision(MatmulPrecision.parse(precision))
                .optThreads(threads).optBaseShapeSteps(bertBaseSteps).optLog(err)
                .optCommand("peft4j " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        if (!methods.isEmpty()) {
            builder.optMethods(methodSettings(), rounds, roundSteps, allSections);
        } else if (!methodOptionSets.isEmpty() || allSections) {
            throw new InvalidOptionException("--method-options, --all-sections, --rounds and --round-steps go with "
                    + "--methods (the per-method step time); add --methods, or use --method and -o for the "
                    + "single method of the full benchmark.");
        }
        if (rteEpoch) {
            builder.optRteEpoch(DataLocator.builder().optDataFolder(where.data).optEnvironment(System.getenv()).build());
        }
        if (predictor) {
            builder.optPredictor(predictorCalls, predictorBatchCalls);
        }
        BenchmarkReport report = builder.build().run();
        report.write(out);
        PrintWriter stdout = spec.commandLine().getOut();
        if (!methods.isEmpty() && !allSections) {
            report.getMethodSummary().forEach(stdout::println);
            stdout.printf("report in %s%n", out.resolve("bench.md"));
            stdout.flush();
            return 0;
        }
        stdout.printf("GEMM peak %.1f GFLOP/s; training step at %.3f of it; report in %s%n", report.getPeakGflops(),
                report.getStepRatioToPeak(), out.resolve("bench.md"));
        stdout.flush();
        return 0;
    }

    /** Each of --methods with each of its --method-options sets (its defaults when it has none). */
    private List<Benchmark.MethodSetting> methodSettings() {
        if (!methodOptions.options.isEmpty()) {
            throw new InvalidOptionException("-o/--option sets the options of the single --method; with --methods "
                    + "give each method's options with --method-options 'method:name=value,name=value'.");
        }
        Map<String, List<Map<String, String>>> sets = MethodOptions.parseSets(methodOptionSets);
        for (String method : sets.keySet()) {
            if (!methods.contains(method)) {
                throw new InvalidOptionException("--method-options names '" + method + "', which is not in --methods "
                        + methods + "; add it to --methods or drop its options.");
            }
        }
        List<Benchmark.MethodSetting> settings = new ArrayList<>();
        for (String method : methods) {
            for (Map<String, String> set : sets.getOrDefault(method, List.of(Map.of()))) {
                settings.add(new Benchmark.MethodSetting(method, set));
            }
        }
        return settings;
    }
}
