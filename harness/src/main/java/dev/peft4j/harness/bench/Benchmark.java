package dev.peft4j.harness.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.BertEncoder;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.harness.train.MatmulPrecision;
import dev.peft4j.harness.train.TrainingConfig;
import dev.peft4j.harness.train.TrainingRun;
import dev.peft4j.plugins.PluginRegistry;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Measures, in one process so that ratios are meaningful on a shared machine: the float32 GEMM
 * peak; one training step through the trainer's own {@link TrainingRun} (synthetic pairs of a
 * fixed length, RTE's task shape) with its FLOP count and ratio to the peak; Φ's share of the step;
 * inference latency with an exported residual prompt against a plain prompt and no prompt; memory
 * over many steps; backbone load time; optionally float32 against bf16-matmul and a full RTE epoch
 * with and without length bucketing; evaluation throughput at the larger inference batch against
 * the peak; and the step at BERT-Base's shape (random weights, batch 8).
 */
public final class Benchmark {

    private static final String[] WORDS = ("the quick brown fox jumps over lazy dogs while seven bright "
            + "children watch from a small green hill near an old stone bridge").split(" ");

    private final String backboneName;
    private final String device;
    private final int batchSize;
    private final int length;
    private final int promptLength;
    private final String method;
    private final Map<String, String> methodOptions;
    private final int steps;
    private final int warmup;
    private final List<Integer> gemmSizes;
    private final int inferenceBatch;
    private final int repeats;
    private final boolean comparePrecision;
    private final boolean compareThreads;
    private final boolean rteEpoch;
    private final @Nullable DataLocator data;
    private final int predictorCalls;
    private final int predictorBatchCalls;
    private final int baseShapeSteps;
    private final MatmulPrecision precision;
    private final int threads;
    private final String command;
    private final PrintWriter log;
    private final List<MethodSetting> methods;
    private final int methodRounds;
    private final int methodRoundSteps;
    private final boolean otherSections;

    private Benchmark(Builder b) {
        this.backboneName = b.backboneName;
        this.device = b.device;
        this.batchSize = b.batchSize;
        this.length = b.length;
        this.promptLength = b.promptLength;
        this.method = b.method;
        this.methodOptions = Map.copyOf(b.methodOptions);
        this.steps = b.steps;
        this.warmup = b.warmup;
        this.gemmSizes = List.copyOf(b.gemmSizes);
        this.inferenceBatch = b.inferenceBatch;
        this.repeats = b.repeats;
        this.comparePrecision = b.comparePrecision;
        this.compareThreads = b.compareThreads;
        this.rteEpoch = b.rteEpoch;
        this.data = b.data;
        this.predictorCalls = b.predictorCalls;
        this.predictorBatchCalls = b.predictorBatchCalls;
        this.baseShapeSteps = b.baseShapeSteps;
        this.precision = b.precision;
        this.threads = b.threads;
        this.command = b.command;
        this.log = b.log;
        this.methods = List.copyOf(b.methods);
        this.methodRounds = b.methodRounds;
        this.methodRoundSteps = b.methodRoundSteps;
        this.otherSections = b.otherSections;
        if (batchSize < 1 || steps < 2 || warmup < 0 || repeats < 1 || inferenceBatch < 1) {
            throw new PeftException("Benchmark: batch, inference batch and repeats must be at least 1, steps at "
                    + "least 2 and warm-up not negative (got batch " + batchSize + ", steps " + steps + ", warm-up "
                    + warmup + ", repeats " + repeats + ", inference batch " + inferenceBatch + ")");
        }
        if (length <= promptLength + 4) {
            throw new PeftException("Benchmark: --length " + length + " leaves no room for text after a prompt of "
                    + promptLength + "; use a length of at least " + (promptLength + 5));
        }
        if (predictorCalls > 0 && predictorBatchCalls < 1) {
            throw new PeftException("Benchmark: the predictor section needs at least 1 batched call (got "
                    + predictorBatchCalls + ")");
        }
        if (baseShapeSteps == 1 || baseShapeSteps < 0) {
            throw new PeftException("Benchmark: the BERT-Base-shaped step needs 0 (off) or at least 2 steps (got "
                    + baseShapeSteps + ")");
        }
        if (!methods.isEmpty() && (methodRounds < 1 || methodRoundSteps < 1)) {
            throw new PeftException("Benchmark: the per-method step time needs at least 1 round and 1 step per round "
                    + "(got " + methodRounds + " rounds of " + methodRoundSteps + " steps)");
        }
        if (rteEpoch && data == null) {
            throw new PeftException("Benchmark: the RTE epoch needs a data folder (--data)");
        }
    }

    /**
     * One method of the per-method step-time comparison: a plugin id and its options.
     *
     * @param method  the plugin id
     * @param options its options, name to value
     */
    public record MethodSetting(String method, Map<String, String> options) {
        /** Copies the options. */
        public MethodSetting {
            options = Map.copyOf(options);
        }
    }

    /** A builder with the defaults: MiniLM, batch 16, length 128, prompt 10, residual-prompt. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs every section and returns the report (not yet written); with methods to compare and no
     * other sections asked for, only the per-method step time.
     */
    public BenchmarkReport run() {
        String started = Instant.now().toString();
        double loadBefore = ProcessStatus.loadAverage();
        Engine engine = Engine.getEngine("PyTorch");
        if (threads > 0) {
            TorchThreads.set(threads);
        }
        String inEffect = precision.apply().getId();
        PluginRegistry registry = PluginRegistry.discover();
        MethodStepBenchmark.check(registry, methods);
        long loadStart = System.nanoTime();
        try (Backbone backbone = Backbones.load(backboneName, Device.fromName(device))) {
            BenchmarkReport.Load load = new BenchmarkReport.Load(backbone.getName(), (System.nanoTime() - loadStart) / 1e9);
            progress("loaded %s in %.2f s (engine %s)", backbone.getName(), load.seconds(), engine.getVersion());
            BenchmarkReport.@Nullable MethodSteps methodSteps = methods.isEmpty() ? null
                    : MethodStepBenchmark.run(backbone, registry, methods,
                            m -> methodSpec(m), syntheticBatch(batchSize, 8), warmup,
                            methodRounds, methodRoundSteps, log);
            if (methodSteps != null && !otherSections) {
                return new BenchmarkReport(environment(engine, inEffect, started, loadBefore), load, methodSteps,
                        command);
            }
            BertEncoder encoder = backbone.getEncoder();
            List<BenchmarkReport.Gemm> gemm = new ArrayList<>(gemm(backbone));
            List<BenchmarkReport.ShapeGemm> shapes = shapeGemm(backbone);
            Task task = SuperGlueTasks.rte();
            ReparameterizerPlugin plugin = registry.get(method);
            StepRun stepRun;
            BenchmarkReport.PhiShare phi;
            BenchmarkReport.ForwardSection forwardSection;
            try (NDManager manager = backbone.getManager().newSubManager()) {
                TrainingRun step = TrainingRun.create(backbone, task, plugin, spec(method, methodOptions, "rte",
                        batchSize), manager);
                stepRun = steps(backbone, step);
                phi = phi(step, stepRun.seconds.median());
                forwardSection = forwardProfile(backbone, step, stepRun.setup.setup.positions());
            }
            // the peak again after the long step loop, in case the machine's load changed meanwhile
            List<BenchmarkReport.Gemm> after = gemm(backbone);
            for (int i = 0; i < gemm.size(); i++) {
                if (after.get(i).bestGflops() > gemm.get(i).bestGflops()) {
                    gemm.set(i, after.get(i));
                }
            }
            double peak = gemm.stream().mapToDouble(BenchmarkReport.Gemm::bestGflops).max().orElse(0);
            StepSetupAndFlops sf = stepRun.setup;
            double total = sf.flops.getTotal();
            double achieved = total / stepRun.seconds.median() / 1e9;
            BenchmarkReport.Step stepReport = new BenchmarkReport.Step(sf.setup, sf.flops, total, stepRun.seconds,
                    stepRun.tokenize, stepRun.inputs, stepRun.forward, stepRun.backward, stepRun.update, achieved, peak,
                    achieved / peak, stepRun.pairedRatios.size(), pairedRatio(stepRun, total));
            progress("step %.4f s median, %.1f GFLOP/s, %.3f of the %.1f GFLOP/s peak (paired %.3f); Φ share %.4f",
                    stepRun.seconds.median(), achieved, achieved / peak, peak, stepReport.pairedRatioToPeak(), phi.share());
            BenchmarkReport.InferenceSection inference = inference(backbone, registry);
            BenchmarkReport.Evaluation evaluation = evaluation(encoder, inference, peak);
            BenchmarkReport.BaseShapeStep baseShape = baseShapeSteps > 0 ? baseShape(backbone, registry, peak) : null;
            BenchmarkReport.Precision precisionReport = comparePrecision ? precision(backbone, registry) : null;
            List<BenchmarkReport.ThreadRow> threadRows = compareThreads
                    ? threads(backbone, registry, total) : List.of();
            List<BenchmarkReport.Epoch> epochs = new ArrayList<>();
            if (rteEpoch) {
                epochs.add(epoch(backbone, registry, false));
                epochs.add(epoch(backbone, registry, true));
            }
            BenchmarkReport.PredictorSection predictor = predictorCalls > 0
                    ? PredictorBenchmark.run(backbone, registry, method, methodOptions, promptLength, predictorCalls,
                            predictorBatchCalls, inferenceBatch, log)
                    : null;
            return new BenchmarkReport(environment(engine, inEffect, started, loadBefore), load, gemm, peak, shapes,
                    stepReport, phi, forwardSection, inference, stepRun.memory, precisionReport, threadRows, epochs,
                    predictor, command, evaluation, baseShape, methodSteps);
        }
    }

    private static BenchmarkReport.Environment environment(Engine engine, String inEffect, String started,
            double loadBefore) {
        return new BenchmarkReport.Environment(ProcessStatus.cpu(), Runtime.getRuntime().availableProcessors(),
                TorchThreads.intraOp(), TorchThreads.interOp(), "Java " + Runtime.version() + ", DJL PyTorch "
                + engine.getVersion(), inEffect, started, loadBefore, ProcessStatus.loadAverage());
    }

    private RunSpec spec(String methodId, Map<String, String> options, String taskId, int batch) {
        Map<String, String> shared = new TreeMap<>();
        shared.put("backbone", backboneName);
        shared.put("batch-size", Integer.toString(batch));
        shared.put("max-length", Integer.toString(length));
        shared.put("matmul-precision", precision.getId());
        TrainingConfig.fromMap(shared);
        return new RunSpec(methodId, taskId, 1, promptLength, 0.3, options, shared);
    }

    /**
     * A compared method's run: a small learning rate for every method alike, so that hundreds of
     * steps on one batch stay finite (LoRA at the prompt's 0.3 can diverge); the time of a step does
     * not depend on it.
     */
    private RunSpec methodSpec(MethodSetting m) {
        RunSpec s = spec(m.method(), m.options(), "rte", batchSize);
        return new RunSpec(s.methodId(), s.taskId(), s.seed(), s.promptLength(), 1e-3, s.methodOptions(), s.shared());
    }

    // ---------------------------------------------------------------- GEMM

    private List<BenchmarkReport.Gemm> gemm(Backbone backbone) {
        List<BenchmarkReport.Gemm> rows = new ArrayList<>();
        for (int size : gemmSizes) {
            Stats stats = matmul(backbone, size, size, size, Math.max(3, repeats));
            double flops = 2.0 * size * size * size;
            rows.add(new BenchmarkReport.Gemm(size, stats, flops / stats.best() / 1e9, flops / stats.median() / 1e9));
            progress("GEMM %d²: %.1f GFLOP/s best", size, flops / stats.best() / 1e9);
        }
        return rows;
    }

    private List<BenchmarkReport.ShapeGemm> shapeGemm(Backbone backbone) {
        BertEncoder encoder = backbone.getEncoder();
        long rows = (long) batchSize * length;
        int d = encoder.getHiddenSize();
        int f = encoder.getConfig().intermediateSize();
        List<BenchmarkReport.ShapeGemm> list = new ArrayList<>();
        long[][] shapes = {{rows, d, d}, {rows, d, f}, {rows, f, d}};
        String[] names = {"Q/K/V/output projection", "feed-forward up", "feed-forward down"};
        for (int i = 0; i < shapes.length; i++) {
            long[] s = shapes[i];
            Stats stats = matmul(backbone, s[0], s[1], s[2], Math.max(3, repeats));
            list.add(new BenchmarkReport.ShapeGemm(names[i], s[0], s[1], s[2], stats,
                    2.0 * s[0] * s[1] * s[2] / stats.best() / 1e9));
        }
        return list;
    }

    private static Stats matmul(Backbone backbone, long m, long k, long n, int times) {
        List<Double> seconds = new ArrayList<>();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            NDArray a = manager.randomUniform(-1f, 1f, new Shape(m, k), DataType.FLOAT32);
            NDArray b = manager.randomUniform(-1f, 1f, new Shape(k, n), DataType.FLOAT32);
            a.matMul(b).close();
            for (int i = 0; i < times; i++) {
                long t = System.nanoTime();
                NDArray c = a.matMul(b);
                seconds.add((System.nanoTime() - t) / 1e9);
                c.close();
            }
        }
        return Stats.of(seconds);
    }

    // ---------------------------------------------------------------- training step and memory

    private record StepSetupAndFlops(BenchmarkReport.StepSetup setup, FlopCount flops) {}

    private record StepRun(StepSetupAndFlops setup, Stats seconds, Stats tokenize, Stats inputs, Stats forward,
            Stats backward, Stats update, BenchmarkReport.Memory memory, List<double[]> pairedRatios) {}

    /** The median over pairs of (step GFLOP/s) / (GEMM GFLOP/s timed just before that step). */
    private static double pairedRatio(StepRun run, double stepFlops) {
        return Stats.of(run.pairedRatios.stream().map(p -> stepFlops / p[1] / 1e9 / p[0]).toList()).median();
    }

    private StepRun steps(Backbone backbone, TrainingRun step) {
        List<List<Example>> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batches.add(syntheticBatch(batchSize, i));
        }
        int total = warmup + steps;
        long[] stepNanos = new long[steps];
        long[] tokenizeNanos = new long[steps];
        long[][] phases = new long[4][steps];
        double[] resident = new double[steps];
        double[] arrays = new double[steps];
        double[] heap = new double[steps];
        long[] phase = new long[4];
        int positions = 0;
        NDManager root = backbone.getManager();
        List<double[]> pairs = new ArrayList<>();
        int size = gemmSizes.stream().mapToInt(Integer::intValue).max().orElse(1024);
        int every = Math.max(1, Math.min(10, steps / 5));
        double gemmNow = 0;
        for (int i = 0; i < total; i++) {
            List<Example> batch = batches.get(i % batches.size());
            boolean paired = i >= warmup && (i - warmup) % every == 0;
            if (paired) {
                Stats g = matmul(backbone, size, size, size, 1);
                gemmNow = 2.0 * size * size * size / g.best() / 1e9;
            }
            long t0 = System.nanoTime();
            EncodedBatch encoded = step.encode(batch);
            long t1 = System.nanoTime();
            float loss = step.step(encoded, batch, phase);
            long t2 = System.nanoTime();
            if (!Float.isFinite(loss)) {
                throw new PeftException("Benchmark: the loss became " + loss + " at step " + i);
            }
            positions = encoded.length() + promptLength;
            if (i >= warmup) {
                int j = i - warmup;
                stepNanos[j] = t2 - t0;
                tokenizeNanos[j] = t1 - t0;
                for (int p = 0; p < 4; p++) {
                    phases[p][j] = phase[p];
                }
                if (paired) {
                    pairs.add(new double[] {gemmNow, (t2 - t0) / 1e9});
                }
                resident[j] = ProcessStatus.residentBytes() / (1024.0 * 1024.0);
                arrays[j] = root.getManagedArrays().size();
                heap[j] = Runtime.getRuntime().totalMemory() / (1024.0 * 1024.0);
            }
            if ((i + 1) % 50 == 0) {
                progress("step %d/%d: %.3f s, RSS %.0f MiB", i + 1, total, (t2 - t0) / 1e9,
                        ProcessStatus.residentBytes() / (1024.0 * 1024.0));
            }
        }
        int window = Math.max(1, Math.min(100, steps / 5));
        BenchmarkReport.MemoryWindow first = window(0, window, resident, heap, arrays, stepNanos);
        BenchmarkReport.MemoryWindow last = window(steps - window, steps, resident, heap, arrays, stepNanos);
        BenchmarkReport.Memory memory = new BenchmarkReport.Memory(steps, first, last,
                last.residentMiB() - first.residentMiB(),
                (last.residentMiB() - last.heapCommittedMiB()) - (first.residentMiB() - first.heapCommittedMiB()),
                last.liveArrays() - first.liveArrays(),
                ProcessStatus.peakResidentBytes() / (1024.0 * 1024.0));
        return new StepRun(setup(backbone, step, positions), Stats.ofNanos(stepNanos), Stats.ofNanos(tokenizeNanos),
                Stats.ofNanos(phases[0]), Stats.ofNanos(phases[1]), Stats.ofNanos(phases[2]),
                Stats.ofNanos(phases[3]), memory, pairs);
    }

    private BenchmarkReport.MemoryWindow window(int from, int to, double[] resident, double[] heap, double[] arrays,
            long[] nanos) {
        double rss = 0;
        double committed = 0;
        double live = 0;
        for (int i = from; i < to; i++) {
            rss += resident[i];
            committed += heap[i];
            live += arrays[i];
        }
        int n = to - from;
        return new BenchmarkReport.MemoryWindow(warmup + from + 1, warmup + to, rss / n, committed / n, live / n,
                Stats.ofNanos(java.util.Arrays.copyOfRange(nanos, from, to)));
    }

    private StepSetupAndFlops setup(Backbone backbone, TrainingRun step, int positions) {
        BertEncoder encoder = backbone.getEncoder();
        PromptClassifier classifier = step.getClassifier();
        int classes = classifier.getNumClasses();
        FlopCount flops = FlopCount.of(batchSize, positions, encoder.getNumLayers(), encoder.getHiddenSize(),
                encoder.getConfig().intermediateSize(), classes, phiForwardFlops(step.getSoftPrompt()));
        BenchmarkReport.StepSetup setup = new BenchmarkReport.StepSetup(backbone.getName(), method,
                new TreeMap<>(methodOptions), batchSize, positions, promptLength, encoder.getNumLayers(),
                encoder.getHiddenSize(), encoder.getConfig().intermediateSize(), encoder.getNumAttentionHeads(),
                classes, classifier.getTrainableParameterCount());
        return new StepSetupAndFlops(setup, flops);
    }

    /**
     * Φ's forward matrix-product FLOPs from its weight matrices: a matrix {@code (a, b)} shared by
     * all {@code n} prompt vectors costs {@code 2·n·a·b}; a stack {@code (n, a, b)} of per-vector
     * matrices costs {@code 2·n·a·b} in all. Vectors (biases, LayerNorm) are not counted.
     */
    static double phiForwardFlops(SoftPrompt prompt) {
        int n = prompt.getPromptShape().length();
        double flops = 0;
        for (var entry : prompt.getReparameterizer().getParameters()) {
            Parameter p = entry.getValue();
            if (!p.isInitialized()) {
                continue;
            }
            Shape shape = p.getArray().getShape();
            if (shape.dimension() == 2) {
                flops += 2.0 * n * shape.size();
            } else if (shape.dimension() >= 3) {
                flops += 2.0 * shape.size();
            }
        }
        return flops;
    }

    private List<Example> syntheticBatch(int size, int salt) {
        List<Example> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            batch.add(Example.classification("synthetic-" + salt + "-" + i,
                    TextInput.pair(text(length * 2, salt * 131 + i), text(length, salt * 17 + i + 7)), i % 2));
        }
        return batch;
    }

    /** Enough words that every sequence is truncated to exactly the benchmark's length. */
    private static String text(int words, int seed) {
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < words; w++) {
            text.append(WORDS[(seed + w * 7) % WORDS.length]).append(' ');
        }
        return text.toString().trim();
    }

    // ---------------------------------------------------------------- Φ share

    private BenchmarkReport.PhiShare phi(TrainingRun step, double stepMedian) {
        SoftPrompt prompt = step.getSoftPrompt();
        ParameterStore store = step.getParameterStore();
        int times = Math.max(5, Math.min(steps, 50));
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < times + 2; i++) {
            long t;
            try (NDScope scope = new NDScope()) {
                t = System.nanoTime();
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray value = prompt.computePrompt(store, true);
                    collector.backward(value.sum());
                }
                if (i >= 2) {
                    seconds.add((System.nanoTime() - t) / 1e9);
                }
            }
        }
        // leave no gradient behind for a later step
        for (var entry : prompt.getParameters()) {
            NDArray array = entry.getValue().getArray();
            if (array.hasGradient()) {
                array.getGradient().muli(0f);
            }
        }
        Stats stats = Stats.of(seconds);
        return new BenchmarkReport.PhiShare(stats, stepMedian, stats.median() / stepMedian);
    }

    // ---------------------------------------------------------------- forward profile

    private BenchmarkReport.ForwardSection forwardProfile(Backbone backbone, TrainingRun step, int positions) {
        BertEncoder encoder = backbone.getEncoder();
        int times = Math.max(3, repeats);
        List<ForwardProfile.Row> rows = ForwardProfile.measure(backbone.getManager(), batchSize, positions,
                encoder.getHiddenSize(), encoder.getConfig().intermediateSize(), encoder.getNumAttentionHeads(),
                encoder.getNumLayers(), times);
        double sum = rows.stream().mapToDouble(ForwardProfile.Row::secondsPerForward).sum();
        List<Example> batch = syntheticBatch(batchSize, 2);
        EncodedBatch encoded = step.encode(batch);
        List<Double> seconds = new ArrayList<>();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            for (int i = 0; i < times + 1; i++) {
                double s = forward(step.getClassifier(), step.getParameterStore(), encoded, manager);
                if (i > 0) {
                    seconds.add(s);
                }
            }
        }
        return new BenchmarkReport.ForwardSection(rows, sum, Stats.of(seconds));
    }

    // ---------------------------------------------------------------- inference

    private BenchmarkReport.InferenceSection inference(Backbone backbone, PluginRegistry registry) {
        BertEncoder encoder = backbone.getEncoder();
        PromptShape shape = new PromptShape(promptLength, encoder.getHiddenSize());
        List<BenchmarkReport.Inference> rows = new ArrayList<>();
        Map<String, Double> ratios = new LinkedHashMap<>();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            SoftPrompt residual = SoftPrompt.builder()
                    .setReparameterizer(registry.get(method).create(shape,
                            registry.get(method).parseOptions(methodOptions)))
                    .optEncoder(encoder).optSeed(1).build();
            SoftPrompt plain = SoftPrompt.builder()
                    .setReparameterizer(registry.get("prompt-tuning").create(shape))
                    .optEncoder(encoder).optSeed(1).build();
            Map<String, PromptClassifier> variants = new LinkedHashMap<>();
            variants.put("no prompt", PromptClassifier.builder().setEncoder(encoder).setNumClasses(2).build());
            variants.put("plain prompt (prompt-tuning)",
                    PromptClassifier.builder().setEncoder(encoder).setNumClasses(2).optSoftPrompt(plain).build());
            variants.put(method + " with live Φ",
                    PromptClassifier.builder().setEncoder(encoder).setNumClasses(2).optSoftPrompt(residual).build());
            for (PromptClassifier c : variants.values()) {
                c.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            }
            PromptEmbeddings exported = residual.export();
            PromptClassifier fixed = PromptClassifier.builder().setEncoder(encoder).setNumClasses(2)
                    .optFixedPrompt(exported).build();
            fixed.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
            variants.put("exported " + method + " (fixed P')", fixed);
            ParameterStore store = new ParameterStore(manager, false);
            int maxTokens = length - promptLength;
            for (int batch : List.of(1, inferenceBatch)) {
                List<Example> examples = syntheticBatch(batch, 9);
                EncodedBatch encoded = backbone.getTokenizer().encodePairs(
                        examples.stream().map(e -> e.inputs().get(0).text()).toList(),
                        examples.stream().map(e -> Objects.requireNonNull(e.inputs().get(0).textPair())).toList(),
                        maxTokens);
                Map<String, Double> medians = new LinkedHashMap<>();
                // interleave the variants so that load changes hit them alike
                Map<String, List<Double>> times = new LinkedHashMap<>();
                variants.keySet().forEach(k -> times.put(k, new ArrayList<>()));
                int rounds = Math.max(3, repeats) + 1;
                for (int r = 0; r < rounds; r++) {
                    for (var entry : variants.entrySet()) {
                        double s = forward(entry.getValue(), store, encoded, manager);
                        if (r > 0) {
                            times.get(entry.getKey()).add(s);
                        }
                    }
                }
                for (var entry : times.entrySet()) {
                    Stats stats = Stats.of(entry.getValue());
                    int positions = encoded.length() + variants.get(entry.getKey()).getPromptLength();
                    rows.add(new BenchmarkReport.Inference(entry.getKey(), batch, positions, stats));
                    medians.put(entry.getKey(), stats.median());
                }
                ratios.put("batch " + batch, medians.get("exported " + method + " (fixed P')")
                        / medians.get("plain prompt (prompt-tuning)"));
                progress("inference batch %d: %s", batch, medians);
            }
        }
        return new BenchmarkReport.InferenceSection(rows, ratios);
    }

    private static double forward(PromptClassifier classifier, ParameterStore store, EncodedBatch encoded,
            NDManager manager) {
        try (NDManager scratch = manager.newSubManager(); NDScope scope = new NDScope()) {
            long t = System.nanoTime();
            NDList inputs = encoded.toNDList(scratch);
            NDArray logits = classifier.forward(store, inputs, false).singletonOrThrow();
            logits.toFloatArray();
            return (System.nanoTime() - t) / 1e9;
        }
    }

    // ---------------------------------------------------------------- evaluation throughput

    /**
     * Evaluation (no gradients) at the larger inference batch, from the exported-prompt variant of
     * the inference section: examples per second and the forward's GFLOP/s over the GEMM peak.
     */
    private BenchmarkReport.Evaluation evaluation(BertEncoder encoder, BenchmarkReport.InferenceSection inference,
            double peak) {
        BenchmarkReport.Inference row = inference.rows().stream()
                .filter(r -> r.batchSize() == inferenceBatch && r.variant().startsWith("exported "))
                .reduce((a, b) -> b).orElseThrow();
        double seconds = row.seconds().median();
        double flops = FlopCount.of(row.batchSize(), row.positions(), encoder.getNumLayers(), encoder.getHiddenSize(),
                encoder.getConfig().intermediateSize(), 2, 0).getForward();
        double gflops = flops / seconds / 1e9;
        progress("evaluation batch %d: %.1f examples/s, %.1f GFLOP/s, %.3f of the peak", row.batchSize(),
                row.batchSize() / seconds, gflops, gflops / peak);
        return new BenchmarkReport.Evaluation(row.variant(), row.batchSize(), row.positions(), row.seconds(),
                row.batchSize() / seconds, flops, gflops, gflops / peak);
    }

    // ---------------------------------------------------------------- BERT-Base-shaped step

    /**
     * The training step at BERT-Base's shape (batch 8, this run's positions) on random weights
     * written to a temporary folder, each step paired with a GEMM timed just before it.
     */
    private BenchmarkReport.BaseShapeStep baseShape(Backbone small, PluginRegistry registry, double peak) {
        int batchSize = 8;
        int size = gemmSizes.stream().mapToInt(Integer::intValue).max().orElse(1024);
        long written = System.nanoTime();
        java.nio.file.Path folder = BaseShapeModel.write(small.getManager());
        try (Backbone backbone = Backbones.load(folder.toString(), Device.fromName(device));
                NDManager manager = backbone.getManager().newSubManager()) {
            double loadSeconds = (System.nanoTime() - written) / 1e9;
            progress("BERT-Base-shaped random model written and loaded in %.1f s", loadSeconds);
            TrainingRun step = TrainingRun.create(backbone, SuperGlueTasks.rte(), registry.get(method),
                    spec(method, methodOptions, "rte", batchSize), manager);
            List<Example> batch = syntheticBatch(batchSize, 6);
            EncodedBatch encoded = step.encode(batch);
            List<Double> seconds = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            BertEncoder encoder = backbone.getEncoder();
            int positions = encoded.length() + promptLength;
            double flops = FlopCount.of(batchSize, positions, encoder.getNumLayers(), encoder.getHiddenSize(),
                    encoder.getConfig().intermediateSize(), step.getClassifier().getNumClasses(),
                    phiForwardFlops(step.getSoftPrompt())).getTotal();
            for (int i = 0; i < baseShapeSteps + 1; i++) {
                Stats g = matmul(backbone, size, size, size, 1);
                long t = System.nanoTime();
                step.step(encoded, batch, null);
                double s = (System.nanoTime() - t) / 1e9;
                if (i > 0) {
                    seconds.add(s);
                    ratios.add(flops / s / (2.0 * size * size * size / g.best()));
                }
            }
            Stats stats = Stats.of(seconds);
            double achieved = flops / stats.median() / 1e9;
            progress("BERT-Base-shaped step %.3f s median, %.1f GFLOP/s, %.3f of the peak (paired %.3f)",
                    stats.median(), achieved, achieved / peak, Stats.of(ratios).median());
            return new BenchmarkReport.BaseShapeStep(encoder.getNumLayers(), encoder.getHiddenSize(),
                    encoder.getNumAttentionHeads(), encoder.getConfig().intermediateSize(), batchSize, positions,
                    loadSeconds, flops, stats, achieved, achieved / peak, Stats.of(ratios).median());
        } finally {
            BaseShapeModel.delete(folder);
        }
    }

    // ---------------------------------------------------------------- matmul precision

    /**
     * Step and GEMM time under float32 and bf16-matmul, alternating the precision every round
     * (the setting is process-wide and cheap to switch), so drifting load hits both alike.
     */
    private BenchmarkReport.@Nullable Precision precision(Backbone backbone, PluginRegistry registry) {
        MatmulPrecision original = MatmulPrecision.current().orElse(MatmulPrecision.FLOAT32);
        List<MatmulPrecision> precisions = List.of(MatmulPrecision.FLOAT32, MatmulPrecision.BF16_MATMUL);
        Map<MatmulPrecision, List<Double>> stepSeconds = new LinkedHashMap<>();
        Map<MatmulPrecision, Double> gemmBest = new LinkedHashMap<>();
        Map<MatmulPrecision, String> inEffect = new LinkedHashMap<>();
        int rounds = Math.max(3, Math.min(steps, 10));
        int size = gemmSizes.stream().mapToInt(Integer::intValue).max().orElse(1024);
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun step = TrainingRun.create(backbone, SuperGlueTasks.rte(), registry.get(method),
                    spec(method, methodOptions, "rte", batchSize), manager);
            List<Example> batch = syntheticBatch(batchSize, 3);
            EncodedBatch encoded = step.encode(batch);
            for (int round = 0; round <= rounds; round++) {
                for (MatmulPrecision p : precisions) {
                    inEffect.put(p, p.apply().getId());
                    Stats gemm = matmul(backbone, size, size, size, 1);
                    gemmBest.merge(p, 2.0 * size * size * size / gemm.best() / 1e9, Math::max);
                    long t = System.nanoTime();
                    step.step(encoded, batch, null);
                    if (round > 0) {
                        stepSeconds.computeIfAbsent(p, k -> new ArrayList<>()).add((System.nanoTime() - t) / 1e9);
                    }
                }
            }
        } finally {
            original.apply();
        }
        List<BenchmarkReport.PrecisionRow> rows = new ArrayList<>();
        for (MatmulPrecision p : precisions) {
            rows.add(new BenchmarkReport.PrecisionRow(p.getId(), inEffect.get(p), gemmBest.get(p),
                    Stats.of(stepSeconds.get(p))));
            progress("precision %s (in effect %s): GEMM %.1f GFLOP/s, step %.4f s", p.getId(), inEffect.get(p),
                    gemmBest.get(p), Stats.of(stepSeconds.get(p)).median());
        }
        return new BenchmarkReport.Precision(rows,
                rows.get(0).stepSeconds().median() / rows.get(1).stepSeconds().median(),
                rows.get(1).gemmBestGflops() / rows.get(0).gemmBestGflops());
    }

    // ---------------------------------------------------------------- threads

    private List<BenchmarkReport.ThreadRow> threads(Backbone backbone, PluginRegistry registry, double stepFlops) {
        int original = TorchThreads.intraOp();
        int cores = Runtime.getRuntime().availableProcessors();
        List<Integer> counts = cores > 1 ? List.of(1, cores) : List.of(1);
        Map<Integer, List<Double>> steps = new LinkedHashMap<>();
        Map<Integer, Double> gemm = new LinkedHashMap<>();
        int size = gemmSizes.stream().mapToInt(Integer::intValue).max().orElse(1024);
        int perRound = Math.max(2, Math.min(this.steps, 5));
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun step = TrainingRun.create(backbone, SuperGlueTasks.rte(), registry.get(method),
                    spec(method, methodOptions, "rte", batchSize), manager);
            List<Example> batch = syntheticBatch(batchSize, 5);
            EncodedBatch encoded = step.encode(batch);
            for (int round = 0; round < 3; round++) {
                for (int count : counts) {
                    TorchThreads.set(count);
                    Stats g = matmul(backbone, size, size, size, 3);
                    gemm.merge(count, 2.0 * size * size * size / g.best() / 1e9, Math::max);
                    step.step(encoded, batch, null);
                    for (int i = 0; i < perRound; i++) {
                        long t = System.nanoTime();
                        step.step(encoded, batch, null);
                        steps.computeIfAbsent(count, c -> new ArrayList<>()).add((System.nanoTime() - t) / 1e9);
                    }
                }
            }
        } finally {
            if (original > 0) {
                TorchThreads.set(original);
            }
        }
        List<BenchmarkReport.ThreadRow> rows = new ArrayList<>();
        for (int count : counts) {
            Stats stats = Stats.of(steps.get(count));
            rows.add(new BenchmarkReport.ThreadRow(count, gemm.get(count), stats,
                    stepFlops / stats.median() / 1e9 / gemm.get(count)));
            progress("threads %d: GEMM %.1f GFLOP/s, step %.4f s", count, gemm.get(count), stats.median());
        }
        return rows;
    }

    // ---------------------------------------------------------------- RTE epoch

    private BenchmarkReport.Epoch epoch(Backbone backbone, PluginRegistry registry, boolean bucket) {
        Task task = SuperGlueTasks.rte();
        DataLocator locator = Objects.requireNonNull(data);
        List<Example> train = locator.load(task, "train").stream().filter(Example::isLabelled).toList();
        RunSpec spec = spec(method, methodOptions, "rte", batchSize);
        Map<String, String> shared = new TreeMap<>(spec.shared());
        shared.put("bucket", Boolean.toString(bucket));
        spec = new RunSpec(spec.methodId(), spec.taskId(), spec.seed(), spec.promptLength(), spec.learningRate(),
                spec.methodOptions(), shared);
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun step = TrainingRun.create(backbone, task, registry.get(method), spec, manager);
            long started = System.nanoTime();
            List<List<Example>> batches = step.batches(train, 1);
            long padded = 0;
            long real = 0;
            for (List<Example> batch : batches) {
                EncodedBatch encoded = step.encode(batch);
                padded += (long) encoded.batchSize() * (encoded.length() + promptLength);
                for (int r = 0; r < encoded.batchSize(); r++) {
                    real += encoded.tokenCount(r) + promptLength;
                }
                step.step(encoded, batch, null);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            progress("RTE epoch bucket=%s: %d examples in %.1f s", bucket, train.size(), seconds);
            return new BenchmarkReport.Epoch(bucket, train.size(), batches.size(), seconds, train.size() / seconds,
                    (double) padded / train.size(), (double) real / train.size());
        }
    }

    private void progress(String format, Object... args) {
        log.printf(format + "%n", args);
        log.flush();
    }

    /** Builds a {@link Benchmark}; every setting has a default. */
    public static final class Builder {
        private String backboneName = Backbones.getDefaultName();
        private String device = "cpu";
        private int batchSize = 16;
        private int length = 128;
        private int promptLength = 10;
        private String method = "residual-prompt";
        private Map<String, String> methodOptions = Map.of();
        private int steps = 500;
        private int warmup = 5;
        private List<Integer> gemmSizes = List.of(1024, 2048);
        private int inferenceBatch = 32;
        private int repeats = 10;
        private boolean comparePrecision = true;
        private boolean compareThreads = true;
        private boolean rteEpoch;
        private @Nullable DataLocator data;
        private int predictorCalls;
        private int predictorBatchCalls;
        private int baseShapeSteps = 20;
        private MatmulPrecision precision = MatmulPrecision.FLOAT32;
        private int threads;
        private String command = "peft4j bench";
        private PrintWriter log = new PrintWriter(System.err, true);
        private List<MethodSetting> methods = List.of();
        private int methodRounds = 10;
        private int methodRoundSteps = 5;
        private boolean otherSections;

        private Builder() {}

        /**
         * Also time the training step of each of {@code methods} (same backbone, batch, text and
         * head; prompt length and length as set here), paired in this process: {@code warm-up}
         * steps each, then {@code rounds} rounds of {@code stepsPerRound} steps per method in
         * rotation. Unless {@code otherSections}, this is the only section run.
         */
        public Builder optMethods(List<MethodSetting> methods, int rounds, int stepsPerRound, boolean otherSections) {
            this.methods = List.copyOf(methods);
            this.methodRounds = rounds;
            this.methodRoundSteps = stepsPerRound;
            this.otherSections = otherSections;
            return this;
        }

        /** Backbone name or folder (default all-minilm-l6-v2). */
        public Builder optBackbone(String backbone) {
            this.backboneName = backbone;
            return this;
        }

        /** Device name: cpu, gpu, gpu(N) (default cpu). */
        public Builder optDevice(String device) {
            this.device = device;
            return this;
        }

        /** Training batch size (default 16). */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Positions per sequence, prompt and special tokens included (default 128). */
        public Builder optLength(int length) {
            this.length = length;
            return this;
        }

        /** Prompt vectors (default 10). */
        public Builder optPromptLength(int promptLength) {
            this.promptLength = promptLength;
            return this;
        }

        /** Method (plugin id) and its options (default residual-prompt with its defaults). */
        public Builder optMethod(String method, Map<String, String> options) {
            this.method = method;
            this.methodOptions = Map.copyOf(options);
            return this;
        }

        /** Measured training steps for step time and memory (default 500). */
        public Builder optSteps(int steps) {
            this.steps = steps;
            return this;
        }

        /** Unmeasured steps first (default 5). */
        public Builder optWarmup(int warmup) {
            this.warmup = warmup;
            return this;
        }

        /** Square GEMM sizes for the peak (default 1024 and 2048). */
        public Builder optGemmSizes(List<Integer> sizes) {
            this.gemmSizes = List.copyOf(sizes);
            return this;
        }

        /** The larger inference batch (default 32; batch 1 is always measured). */
        public Builder optInferenceBatch(int batch) {
            this.inferenceBatch = batch;
            return this;
        }

        /** Repeats of each GEMM and inference measurement (default 10). */
        public Builder optRepeats(int repeats) {
            this.repeats = repeats;
            return this;
        }

        /** Whether to compare float32 against bf16-matmul step time (default true). */
        public Builder optComparePrecision(boolean compare) {
            this.comparePrecision = compare;
            return this;
        }

        /** Whether to compare one intra-op thread against one per core (default true). */
        public Builder optCompareThreads(boolean compare) {
            this.compareThreads = compare;
            return this;
        }

        /** Also time a full RTE training epoch, with and without bucketing, from {@code data}. */
        public Builder optRteEpoch(DataLocator data) {
            this.rteEpoch = true;
            this.data = data;
            return this;
        }

        /**
         * Also time the {@link dev.peft4j.inference.Predictor} on export folders (exported residual
         * prompt, plain prompt, no prompt): {@code calls} single-pair calls and {@code batchCalls}
         * calls on a batch of the inference batch size, per variant (default off).
         */
        public Builder optPredictor(int calls, int batchCalls) {
            this.predictorCalls = calls;
            this.predictorBatchCalls = batchCalls;
            return this;
        }

        /**
         * Measured training steps at BERT-Base's shape (12 layers, width 768, batch 8, this run's
         * positions) on random weights, 0 to skip (default 20).
         */
        public Builder optBaseShapeSteps(int steps) {
            this.baseShapeSteps = steps;
            return this;
        }

        /** libtorch's matmul precision for the whole benchmark (default float32). */
        public Builder optPrecision(MatmulPrecision precision) {
            this.precision = precision;
            return this;
        }

        /** libtorch intra-op threads, 0 to keep the engine's choice (default 0). */
        public Builder optThreads(int threads) {
            this.threads = threads;
            return this;
        }

        /** The command line recorded in the report. */
        public Builder optCommand(String command) {
            this.command = command;
            return this;
        }

        /** Where progress lines go (default standard error). */
        public Builder optLog(PrintWriter log) {
            this.log = log;
            return this;
        }

        /** Builds the benchmark. */
        public Benchmark build() {
            return new Benchmark(this);
        }
    }
}
