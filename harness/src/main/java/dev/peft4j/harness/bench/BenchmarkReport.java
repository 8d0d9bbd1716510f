package dev.peft4j.harness.bench;

import com.google.gson.GsonBuilder;
import dev.peft4j.api.PeftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The results of one {@link Benchmark} run, section by section; written as
 * {@code bench.json} and {@code bench.md}. All times are seconds, all rates per second.
 */
public final class BenchmarkReport {

    /** Where and under what load it ran. */
    record Environment(String cpu, int cores, int torchThreads, int torchInteropThreads, String java,
            String matmulPrecision, String startedAt, double loadAverageBefore, double loadAverageAfter) {}

    /** One square float32 GEMM size: best and median over repeats. */
    record Gemm(int size, Stats seconds, double bestGflops, double medianGflops) {}

    /** A GEMM of the encoder's own shapes {@code (m, k) x (k, n)}. */
    record ShapeGemm(String name, long m, long k, long n, Stats seconds, double bestGflops) {}

    /** The step's set-up. */
    record StepSetup(String backbone, String method, Map<String, String> methodOptions, int batchSize,
            int positions, int promptLength, int layers, int width, int feedForward, int heads, int classes,
            long trainableParameters) {}

    /** One training step: time, phases, FLOPs and the ratio to the GEMM peak. */
    record Step(StepSetup setup, FlopCount flops, double totalFlops, Stats seconds, Stats tokenizeSeconds,
            Stats inputSeconds, Stats forwardSeconds, Stats backwardSeconds, Stats updateSeconds,
            double achievedGflops, double peakGflops, double ratioToPeak, int pairs, double pairedRatioToPeak) {}

    /** The forward's operations timed alone, their sum, and the measured forward without gradients. */
    record ForwardSection(List<ForwardProfile.Row> rows, double sumSeconds, Stats measuredForwardSeconds) {}

    /** Φ forward and backward alone against the whole step. */
    record PhiShare(Stats phiSeconds, double stepMedianSeconds, double share) {}

    /** Forward-only latency of one inference variant. */
    record Inference(String variant, int batchSize, int positions, Stats seconds) {}

    /** Inference variants and the exported-to-plain ratio per batch size. */
    record InferenceSection(List<Inference> rows, Map<String, Double> exportedOverPlain) {}

    /**
     * One predictor variant: single-pair latency and batched throughput, end to end (tokenize,
     * forward, softmax).
     */
    record PredictorRow(String variant, int promptLength, int batchPositions, Stats latencySeconds,
            Stats batchSeconds, double pairsPerSecond) {}

    /** The predictor on export folders, with the exported-residual-to-plain ratios. */
    record PredictorSection(String backbone, int maxLength, int batchSize, int distinctPairs, int warmupCalls,
            int rounds, List<PredictorRow> rows, double latencyExportedOverPlain,
            double throughputExportedOverPlain) {}

    /**
     * Evaluation (no gradients) at one batch size: examples per second and the forward's FLOP rate
     * over the GEMM peak.
     */
    record Evaluation(String variant, int batchSize, int positions, Stats seconds, double examplesPerSecond,
            double forwardFlops, double achievedGflops, double ratioToPeak) {}

    /** The training step at BERT-Base's shape on random weights, against the same GEMM peak. */
    record BaseShapeStep(int layers, int width, int heads, int feedForward, int batchSize, int positions,
            double writeAndLoadSeconds, double totalFlops, Stats seconds, double achievedGflops, double ratioToPeak,
            double pairedRatioToPeak) {}

    /** Mean resident memory and live arrays over a window of steps. */
    record MemoryWindow(int firstStep, int lastStep, double residentMiB, double heapCommittedMiB, double liveArrays,
            Stats stepSeconds) {}

    /** Memory over the measured steps. */
    record Memory(int steps, MemoryWindow first, MemoryWindow last, double residentGrowthMiB,
            double nativeGrowthMiB, double liveArrayGrowth, double peakResidentMiB) {}

    /** Backbone load. */
    record Load(String backbone, double seconds) {}

    /** The step under one matmul precision. */
    record PrecisionRow(String precision, String inEffect, double gemmBestGflops, Stats stepSeconds) {}

    /** Step time float32 against bf16-matmul. */
    record Precision(List<PrecisionRow> rows, double stepSpeedup, double gemmSpeedup) {}

    /** The step and the GEMM peak under one intra-op thread count (rounds interleaved). */
    record ThreadRow(int threads, double gemmBestGflops, Stats stepSeconds, double ratioToPeak) {}

    /** One RTE training epoch with or without length bucketing. */
    record Epoch(boolean bucket, int examples, int steps, double seconds, double examplesPerSecond,
            double meanPaddedPositions, double meanRealTokens) {}

    /**
     * One method's training step, timed in rounds paired with the other methods.
     *
     * @param method               the plugin id
     * @param options              its options
     * @param promptLength         the run's prompt length
     * @param promptUse            what the method makes of it: input vectors, a prefix per layer, or unused (LoRA)
     * @param positions            positions through the encoder: text tokens, plus the prompt when it is inserted at the input
     * @param methodTrainable      trainable values of the method (prompt, Φ, prefix or LoRA factors)
     * @param trainable            trainable values in all, the linear head included
     * @param seconds              seconds per step, one value per round (each the mean over the round's steps)
     * @param meanSeconds          the mean over rounds
     * @param worstSeconds         the slowest round
     * @param ratioToFirst         median over the first method's median
     * @param pairedRatioToFirst   median over rounds of this round's time over the first method's in the same round
     */
    record MethodStep(String method, Map<String, String> options, int promptLength, String promptUse, int positions,
            long methodTrainable, long trainable, Stats seconds, double meanSeconds, double worstSeconds,
            double ratioToFirst, double pairedRatioToFirst) {}

    /** The per-method step time: set-up, one row per method, the load average around it. */
    record MethodSteps(int batchSize, int textTokens, int warmupSteps, int rounds, int stepsPerRound,
            List<MethodStep> rows, double loadAverageBefore, double loadAverageAfter) {}

    final Environment environment;
    final Load load;
    final List<Gemm> gemm;
    final double peakGflops;
    final List<ShapeGemm> shapeGemm;
    // absent (with the sections below) when only the per-method step time was asked for
    final @Nullable Step step;
    final @Nullable PhiShare phi;
    final @Nullable ForwardSection forwardProfile;
    final @Nullable InferenceSection inference;
    final @Nullable Memory memory;
    final @Nullable Precision precision;
    final List<ThreadRow> threads;
    final List<Epoch> rteEpoch;
    final @Nullable PredictorSection predictor;
    final String command;
    final @Nullable Evaluation evaluation;
    final @Nullable BaseShapeStep baseShape;
    final @Nullable MethodSteps methodSteps;

    BenchmarkReport(Environment environment, Load load, List<Gemm> gemm, double peakGflops,
            List<ShapeGemm> shapeGemm, Step step, PhiShare phi, ForwardSection forwardProfile, InferenceSection inference, Memory memory,
            @Nullable Precision precision, List<ThreadRow> threads, List<Epoch> rteEpoch, @Nullable PredictorSection predictor, String command,
            Evaluation evaluation, @Nullable BaseShapeStep baseShape, @Nullable MethodSteps methodSteps) {
        this.environment = environment;
        this.load = load;
        this.gemm = List.copyOf(gemm);
        this.peakGflops = peakGflops;
        this.shapeGemm = List.copyOf(shapeGemm);
        this.step = step;
        this.phi = phi;
        this.forwardProfile = forwardProfile;
        this.inference = inference;
        this.memory = memory;
        this.precision = precision;
        this.threads = List.copyOf(threads);
        this.rteEpoch = List.copyOf(rteEpoch);
        this.predictor = predictor;
        this.command = command;
        this.evaluation = evaluation;
        this.baseShape = baseShape;
        this.methodSteps = methodSteps;
    }

    /** A report of the per-method step time alone. */
    BenchmarkReport(Environment environment, Load load, MethodSteps methodSteps, String command) {
        this.environment = environment;
        this.load = load;
        this.gemm = List.of();
        this.peakGflops = 0;
        this.shapeGemm = List.of();
        this.step = null;
        this.phi = null;
        this.forwardProfile = null;
        this.inference = null;
        this.memory = null;
        this.precision = null;
        this.threads = List.of();
        this.rteEpoch = List.of();
        this.predictor = null;
        this.command = command;
        this.evaluation = null;
        this.baseShape = null;
        this.methodSteps = methodSteps;
    }

    /** The GEMM peak in GFLOP/s (the best of all square sizes); 0 when only methods were compared. */
    public double getPeakGflops() {
        return peakGflops;
    }

    /** Achieved training-step GFLOP/s over the GEMM peak; NaN when only methods were compared. */
    public double getStepRatioToPeak() {
        return step == null ? Double.NaN : step.ratioToPeak();
    }

    /** One line per compared method: median ms per step and ratio to the first; empty when none was. */
    public List<String> getMethodSummary() {
        if (methodSteps == null) {
            return List.of();
        }
        return methodSteps.rows().stream().map(r -> String.format(Locale.ROOT, "%s%s: %.2f ms per step (median), "
                + "%.3f of the first (paired), %d trainable values", r.method(), r.options().isEmpty() ? ""
                : " " + r.options(), r.seconds().median() * 1e3, r.pairedRatioToFirst(), r.trainable())).toList();
    }

    /** The report as pretty-printed JSON. */
    public String toJson() {
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(this);
    }

    /** The report as Markdown tables. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# peft4j bench\n\n");
        md.append("Command: `").append(command).append("`\n\n");
        Environment e = environment;
        md.append("CPU: ").append(e.cpu()).append("; ").append(e.cores()).append(" cores; libtorch threads ")
                .append(e.torchThreads()).append(" intra-op, ").append(e.torchInteropThreads())
                .append(" inter-op; ").append(e.java()).append("; matmul precision ").append(e.matmulPrecision())
                .append("; started ").append(e.startedAt()).append("; load average ")
                .append(f2(e.loadAverageBefore())).append(" before, ").append(f2(e.loadAverageAfter()))
                .append(" after.\n\n");
        md.append("Backbone `").append(load.backbone()).append("` loaded in ").append(f3(load.seconds()))
                .append(" s.\n\n");
        Step step = this.step;
        PhiShare phi = this.phi;
        ForwardSection forwardProfile = this.forwardProfile;
        InferenceSection inference = this.inference;
        Memory memory = this.memory;
        Evaluation evaluation = this.evaluation;
        if (step == null || phi == null || forwardProfile == null || inference == null || memory == null
                || evaluation == null) {
            methodSteps(md);
            return md.toString();
        }
        targets(md, step, evaluation);
        md.append("## GEMM peak (float32)\n\n| size | best s | median s | best GFLOP/s | median GFLOP/s |\n")
                .append("|---:|---:|---:|---:|---:|\n");
        for (Gemm g : gemm) {
            md.append("| ").append(g.size()).append("² | ").append(f4(g.seconds().best())).append(" | ")
                    .append(f4(g.seconds().median())).append(" | ").append(f1(g.bestGflops())).append(" | ")
                    .append(f1(g.medianGflops())).append(" |\n");
        }
        md.append("\nPeak: **").append(f1(peakGflops)).append(" GFLOP/s**.\n\n");
        md.append("### The encoder's own GEMM shapes\n\n| product | m × k × n | best GFLOP/s | vs peak |\n")
                .append("|---|---|---:|---:|\n");
        for (ShapeGemm g : shapeGemm) {
            md.append("| ").append(g.name()).append(" | ").append(g.m()).append(" × ").append(g.k()).append(" × ")
                    .append(g.n()).append(" | ").append(f1(g.bestGflops())).append(" | ")
                    .append(f2(g.bestGflops() / peakGflops)).append(" |\n");
        }
        StepSetup s = step.setup();
        md.append("\n## Training step\n\n").append(s.backbone()).append(", ").append(s.method()).append(' ')
                .append(s.methodOptions()).append(", batch ").append(s.batchSize()).append(", ")
                .append(s.positions()).append(" positions (prompt ").append(s.promptLength()).append(" included), ")
                .append(s.layers()).append(" layers, d ").append(s.width()).append(", d_ff ").append(s.feedForward())
                .append(", ").append(s.trainableParameters()).append(" trainable parameters.\n\n");
        FlopCount fl = step.flops();
        md.append("| quantity | value |\n|---|---:|\n");
        row(md, "encoder forward GFLOP", f3(fl.encoderForward() / 1e9));
        row(md, "encoder backward GFLOP (activation gradients)", f3(fl.encoderBackward() / 1e9));
        row(md, "Φ forward + backward GFLOP", f3((fl.phiForward() + fl.phiBackward()) / 1e9));
        row(md, "head forward + backward GFLOP", f4((fl.headForward() + fl.headBackward()) / 1e9));
        row(md, "step total GFLOP", f3(step.totalFlops() / 1e9));
        row(md, "step time median s (p10–p90)", f4(step.seconds().median()) + " (" + f4(step.seconds().p10())
                + "–" + f4(step.seconds().p90()) + ")");
        row(md, "  tokenize median s", f4(step.tokenizeSeconds().median()));
        row(md, "  inputs to device median s", f4(step.inputSeconds().median()));
        row(md, "  forward + loss median s", f4(step.forwardSeconds().median()));
        row(md, "  backward median s", f4(step.backwardSeconds().median()));
        row(md, "  clip + AdamW + loss read median s", f4(step.updateSeconds().median()));
        row(md, "achieved GFLOP/s (median step)", f1(step.achievedGflops()));
        row(md, "GEMM peak GFLOP/s", f1(step.peakGflops()));
        row(md, "**ratio to peak** (median step over best GEMM of the run)", "**" + f3(step.ratioToPeak()) + "**");
        row(md, "**paired ratio** (median over " + step.pairs() + " steps, each over a GEMM timed just before it)",
                "**" + f3(step.pairedRatioToPeak()) + "**");
        row(md, "Φ forward+backward alone, median s", f5(phi.phiSeconds().median()));
        row(md, "**Φ share of the step**", "**" + f4(phi.share()) + "**");
        md.append("\n### Where the forward goes (each operation timed alone at the step's shapes)\n\n")
                .append("| operation | per layer | median s per call | s per forward | share of sum | GFLOP/s |\n")
                .append("|---|---:|---:|---:|---:|---:|\n");
        for (ForwardProfile.Row r : forwardProfile.rows()) {
            md.append("| ").append(r.operation()).append(" | ").append(r.perLayer()).append(" | ")
                    .append(f5(r.secondsPerCall().median())).append(" | ").append(f4(r.secondsPerForward()))
                    .append(" | ").append(f3(r.secondsPerForward() / forwardProfile.sumSeconds())).append(" | ")
                    .append(r.gflopsPerSecond() > 0 ? f1(r.gflopsPerSecond()) : "–").append(" |\n");
        }
        md.append("\nSum of the listed operations: ").append(f4(forwardProfile.sumSeconds()))
                .append(" s; measured forward without gradients (same batch): ")
                .append(f4(forwardProfile.measuredForwardSeconds().median())).append(" s; forward inside the step (with autograd): ")
                .append(f4(step.forwardSeconds().median())).append(" s.\n");
        md.append("\n## Inference (forward only, no gradients)\n\n| variant | batch | positions | median s | p10 s | p90 s |\n")
                .append("|---|---:|---:|---:|---:|---:|\n");
        for (Inference i : inference.rows()) {
            md.append("| ").append(i.variant()).append(" | ").append(i.batchSize()).append(" | ").append(i.positions())
                    .append(" | ").append(f5(i.seconds().median())).append(" | ").append(f5(i.seconds().p10()))
                    .append(" | ").append(f5(i.seconds().p90())).append(" |\n");
        }
        md.append("\nEvaluation throughput (").append(evaluation.variant()).append(", batch ")
                .append(evaluation.batchSize()).append("): **").append(f1(evaluation.examplesPerSecond()))
                .append(" examples/s**, ").append(f3(evaluation.forwardFlops() / 1e9)).append(" GFLOP per batch, ")
                .append(f1(evaluation.achievedGflops())).append(" GFLOP/s = **").append(f3(evaluation.ratioToPeak()))
                .append("** of the peak.\n");
        inference.exportedOverPlain().forEach((batch, ratio) -> md.append("\nExported residual over plain prompt, ")
                .append(batch).append(": **").append(f3(ratio)).append("**"));
        md.append("\n\n## Memory over ").append(memory.steps()).append(" steps\n\n")
                .append("| window | steps | mean RSS MiB | mean Java heap committed MiB | mean live NDArrays | median step s |\n")
                .append("|---|---|---:|---:|---:|---:|\n");
        window(md, "first", memory.first());
        window(md, "last", memory.last());
        md.append("\nRSS growth last − first: **").append(f1(memory.residentGrowthMiB())).append(" MiB**, of which outside the ")
                .append("Java heap (native): **").append(f1(memory.nativeGrowthMiB())).append(" MiB**; live arrays ")
                .append(f1(memory.liveArrayGrowth())).append("; peak RSS (VmHWM) ").append(f1(memory.peakResidentMiB()))
                .append(" MiB.\n");
        if (precision != null) {
            md.append("\n## Matmul precision (alternating every step)\n\n| precision | in effect | GEMM best GFLOP/s | step median s |\n")
                    .append("|---|---|---:|---:|\n");
            for (PrecisionRow p : precision.rows()) {
                md.append("| ").append(p.precision()).append(" | ").append(p.inEffect()).append(" | ")
                        .append(f1(p.gemmBestGflops())).append(" | ").append(f4(p.stepSeconds().median())).append(" |\n");
            }
            md.append("\nStep speed-up bf16-matmul over float32: **").append(f2(precision.stepSpeedup()))
                    .append("×**; GEMM: ").append(f2(precision.gemmSpeedup())).append("×.\n");
        }
        if (baseShape != null) {
            BaseShapeStep b = baseShape;
            md.append("\n## Training step at BERT-Base's shape (random weights)\n\n").append(b.layers())
                    .append(" layers, d ").append(b.width()).append(", ").append(b.heads()).append(" heads, d_ff ")
                    .append(b.feedForward()).append(", batch ").append(b.batchSize()).append(", ").append(b.positions())
                    .append(" positions; timing depends on shapes only, so random weights stand in for the ")
                    .append("checkpoint (written and loaded in ").append(f1(b.writeAndLoadSeconds())).append(" s).\n\n")
                    .append("| quantity | value |\n|---|---:|\n");
            row(md, "step total GFLOP", f3(b.totalFlops() / 1e9));
            row(md, "step time median s (p10–p90)", f4(b.seconds().median()) + " (" + f4(b.seconds().p10()) + "–"
                    + f4(b.seconds().p90()) + ")");
            row(md, "achieved GFLOP/s (median step)", f1(b.achievedGflops()));
            row(md, "**ratio to peak**", "**" + f3(b.ratioToPeak()) + "**");
            row(md, "**paired ratio** (each step over a GEMM timed just before it)", "**" + f3(b.pairedRatioToPeak())
                    + "**");
        }
        if (!threads.isEmpty()) {
            md.append("\n## Intra-op threads (rounds interleaved)\n\n| threads | GEMM best GFLOP/s | step median s | ")
                    .append("step GFLOP/s over that GEMM peak |\n|---:|---:|---:|---:|\n");
            for (ThreadRow t : threads) {
                md.append("| ").append(t.threads()).append(" | ").append(f1(t.gemmBestGflops())).append(" | ")
                        .append(f4(t.stepSeconds().median())).append(" | ").append(f3(t.ratioToPeak())).append(" |\n");
            }
        }
        if (!rteEpoch.isEmpty()) {
            md.append("\n## RTE training epoch\n\n| bucket | examples | steps | seconds | examples/s | mean padded positions | mean real tokens |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Epoch ep : rteEpoch) {
                md.append("| ").append(ep.bucket()).append(" | ").append(ep.examples()).append(" | ").append(ep.steps())
                        .append(" | ").append(f1(ep.seconds())).append(" | ").append(f2(ep.examplesPerSecond()))
                        .append(" | ").append(f1(ep.meanPaddedPositions())).append(" | ").append(f1(ep.meanRealTokens()))
                        .append(" |\n");
            }
        }
        if (predictor != null) {
            predictor(md, predictor);
        }
        methodSteps(md);
        return md.toString();
    }

    private void methodSteps(StringBuilder md) {
        MethodSteps m = methodSteps;
        if (m == null) {
            return;
        }
        md.append("## Training step per method (paired, one process)\n\n").append(load.backbone()).append(", batch ")
                .append(m.batchSize()).append(", the same position budget for every method (the first method's text has ")
                .append(m.textTokens()).append(" tokens; a method that inserts nothing at the input gets more text), the ")
                .append("same synthetic batch and linear head for every method; ").append(m.warmupSteps())
                .append(" warm-up steps each, then ").append(m.rounds()).append(" rounds of ").append(m.stepsPerRound())
                .append(" steps per method in rotation (the first method moving one place each round). A step is ")
                .append("inputs to the device, forward and loss, backward, clipping and the AdamW update. ")
                .append("Load average ").append(f2(m.loadAverageBefore())).append(" before, ")
                .append(f2(m.loadAverageAfter())).append(" after.\n\n")
                .append("| method | options | prompt length (use) | positions | trainable (method) | trainable (with head) | ")
                .append("median ms | mean ms | min–max ms | p10–p90 ms | vs first | vs first, paired |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (MethodStep r : m.rows()) {
            md.append("| ").append(r.method()).append(" | ").append(r.options().isEmpty() ? "defaults"
                    : r.options().toString()).append(" | ").append(r.promptLength()).append(" (").append(r.promptUse())
                    .append(") | ").append(r.positions())
                    .append(" | ").append(r.methodTrainable()).append(" | ").append(r.trainable()).append(" | ")
                    .append(f2(r.seconds().median() * 1e3)).append(" | ").append(f2(r.meanSeconds() * 1e3))
                    .append(" | ").append(f2(r.seconds().best() * 1e3)).append("–").append(f2(r.worstSeconds() * 1e3))
                    .append(" | ").append(f2(r.seconds().p10() * 1e3)).append("–").append(f2(r.seconds().p90() * 1e3))
                    .append(" | ").append(f3(r.ratioToFirst())).append(" | ").append(f3(r.pairedRatioToFirst()))
                    .append(" |\n");
        }
        md.append("\nTimes are per optimizer step, one value per round (the round's mean); \"vs first, paired\" is ")
                .append("the median over rounds of the method's time over the first method's time in the same ")
                .append("round. Positions: text tokens plus the prompt when it is inserted at the input (a prefix ")
                .append("adds its length to the keys of every layer instead). Memory per method is each training ")
                .append("run's `peakMemoryBytes`, not measured here.\n");
    }

    /** The headline ratios (issue "Performance"), each against the same run's float32 GEMM peak. */
    private void targets(StringBuilder md, Step step, Evaluation evaluation) {
        md.append("## Summary against the float32 GEMM peak (").append(f1(peakGflops)).append(" GFLOP/s)\n\n")
                .append("| figure | value | target |\n|---|---:|---:|\n");
        StepSetup s = step.setup();
        row(md, "float32 training step / peak, " + s.backbone() + ", batch " + s.batchSize() + ", " + s.positions()
                + " positions", f3(step.ratioToPeak()) + " (paired " + f3(step.pairedRatioToPeak()) + ")", "≥ 0.70");
        if (baseShape != null) {
            BaseShapeStep b = baseShape;
            row(md, "float32 training step / peak, BERT-Base shape (random weights), batch " + b.batchSize() + ", "
                    + b.positions() + " positions", f3(b.ratioToPeak()) + " (paired " + f3(b.pairedRatioToPeak())
                    + ")", "≥ 0.70");
        }
        if (precision != null) {
            row(md, "bf16-matmul step speed-up over float32", f2(precision.stepSpeedup()) + "×", "≥ 2.2×");
        }
        row(md, "evaluation (no gradients), batch " + evaluation.batchSize() + ": examples/s; GFLOP/s / peak",
                f1(evaluation.examplesPerSecond()) + "; " + f3(evaluation.ratioToPeak()), "≥ 0.70");
        md.append('\n');
    }

    private static void predictor(StringBuilder md, PredictorSection p) {
        md.append("\n## Predictor (export folders, end to end)\n\n").append(p.backbone())
                .append(", CB-shaped export (3 labels, max length ").append(p.maxLength()).append("), ")
                .append(p.distinctPairs()).append(" distinct sentence pairs, ").append(p.warmupCalls())
                .append(" warm-up calls per variant, ").append(p.rounds()).append(" interleaved rounds (the first variant rotating). ")
                .append("Latency: one `predict(a, b)`; throughput: `predictPairs` on ").append(p.batchSize())
                .append(" pairs. \"No prompt\" has no export format: it times the backbone's tokenizer, a ")
                .append("classifier without prompt and a softmax directly.\n\n")
                .append("| variant | prompt | batch positions | latency median ms | p90 ms | calls | batch median s | ")
                .append("pairs/s |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (PredictorRow r : p.rows()) {
            md.append("| ").append(r.variant()).append(" | ").append(r.promptLength()).append(" | ")
                    .append(r.batchPositions()).append(" | ").append(f2(r.latencySeconds().median() * 1e3))
                    .append(" | ").append(f2(r.latencySeconds().p90() * 1e3)).append(" | ")
                    .append(r.latencySeconds().samples()).append(" | ").append(f4(r.batchSeconds().median()))
                    .append(" | ").append(f1(r.pairsPerSecond())).append(" |\n");
        }
        md.append("\nExported residual over plain prompt: latency **").append(f3(p.latencyExportedOverPlain()))
                .append("**, throughput **").append(f3(p.throughputExportedOverPlain())).append("**.\n");
    }

    /**
     * Writes {@code bench.json} and {@code bench.md} into {@code folder} (created if needed).
     *
     * @throws PeftException when the files cannot be written
     */
    public void write(Path folder) {
        try {
            Files.createDirectories(folder);
            Files.writeString(folder.resolve("bench.json"), toJson());
            Files.writeString(folder.resolve("bench.md"), toMarkdown());
        } catch (IOException e) {
            throw new PeftException("Cannot write the benchmark report to " + folder + ": " + e.getMessage()
                    + ". Pass a writable --out folder.", e);
        }
    }

    private static void window(StringBuilder md, String name, MemoryWindow w) {
        md.append("| ").append(name).append(" | ").append(w.firstStep()).append("–").append(w.lastStep()).append(" | ")
                .append(f1(w.residentMiB())).append(" | ").append(f1(w.heapCommittedMiB())).append(" | ")
                .append(f1(w.liveArrays())).append(" | ")
                .append(f4(w.stepSeconds().median())).append(" |\n");
    }

    private static void row(StringBuilder md, String name, String value, String target) {
        md.append("| ").append(name).append(" | ").append(value).append(" | ").append(target).append(" |\n");
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String f5(double v) {
        return String.format(Locale.ROOT, "%.5f", v);
    }
}
