package dev.peft4j.harness.cli;

import dev.peft4j.harness.bench.Benchmark;
import dev.peft4j.harness.bench.BenchmarkReport;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.train.MatmulPrecision;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j bench}: performance ratios measured in one process, written as JSON and Markdown. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure GEMM peak, training-step FLOP/s, Φ share, inference latency, memory and load time.")
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
        if (rteEpoch) {
            builder.optRteEpoch(DataLocator.builder().optDataFolder(where.data).optEnvironment(System.getenv()).build());
        }
        if (predictor) {
            builder.optPredictor(predictorCalls, predictorBatchCalls);
        }
        BenchmarkReport report = builder.build().run();
        report.write(out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("GEMM peak %.1f GFLOP/s; training step at %.3f of it; report in %s%n", report.getPeakGflops(),
                report.getStepRatioToPeak(), out.resolve("bench.md"));
        stdout.flush();
        return 0;
    }
}
