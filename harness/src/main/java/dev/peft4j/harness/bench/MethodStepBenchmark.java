package dev.peft4j.harness.bench;

import ai.djl.ndarray.NDManager;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.train.TrainingRun;
import dev.peft4j.plugins.PluginRegistry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Training-step time per method, paired in one process: one {@link TrainingRun} per method on the
 * one loaded backbone (same batch, same text tokens, same head), each warmed up, then rounds of
 * {@code K} steps per method in rotation, the first method moving one place every round, so that
 * a change of the machine's load hits every method alike. A step is the trainer's own: inputs to
 * the device, forward and loss, backward, clipping and the AdamW update.
 */
final class MethodStepBenchmark {

    private MethodStepBenchmark() {}

    /**
     * Refuses an unknown method or options its plugin rejects, before anything is loaded, with the
     * registry's and the plugin's own messages.
     */
    static void check(PluginRegistry registry, List<Benchmark.MethodSetting> methods) {
        for (Benchmark.MethodSetting m : methods) {
            registry.get(m.method()).parseOptions(m.options());
        }
    }

    /**
     * Times {@code methods}; {@code spec} gives each method's run spec, {@code batch} is the one
     * synthetic batch every method trains on.
     */
    static BenchmarkReport.MethodSteps run(Backbone backbone, PluginRegistry registry,
            List<Benchmark.MethodSetting> methods, Function<Benchmark.MethodSetting, RunSpec> spec,
            List<Example> batch, int warmup, int rounds, int stepsPerRound, PrintWriter log) {
        if (methods.isEmpty() || rounds < 1 || stepsPerRound < 1) {
            throw new PeftException("Benchmark: the per-method step time needs at least one method, one round and "
                    + "one step per round (got " + methods.size() + " methods, " + rounds + " rounds, "
                    + stepsPerRound + " steps per round)");
        }
        double loadBefore = ProcessStatus.loadAverage();
        int count = methods.size();
        List<NDManager> managers = new ArrayList<>();
        try {
            List<TrainingRun> runs = new ArrayList<>();
            List<EncodedBatch> encoded = new ArrayList<>();
            for (Benchmark.MethodSetting m : methods) {
                NDManager manager = backbone.getManager().newSubManager();
                managers.add(manager);
                TrainingRun run = TrainingRun.create(backbone, SuperGlueTasks.rte(), registry.get(m.method()),
                        spec.apply(m), manager);
                runs.add(run);
                encoded.add(run.encode(batch));
            }
            for (int i = 0; i < count; i++) {
                for (int w = 0; w < warmup; w++) {
                    step(runs.get(i), encoded.get(i), batch, methods.get(i));
                }
            }
            // seconds per step, one value per round and method
            double[][] perRound = new double[count][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int k = 0; k < count; k++) {
                    int i = (round + k) % count;
                    long t = System.nanoTime();
                    for (int s = 0; s < stepsPerRound; s++) {
                        step(runs.get(i), encoded.get(i), batch, methods.get(i));
                    }
                    perRound[i][round] = (System.nanoTime() - t) / 1e9 / stepsPerRound;
                }
                log.printf("method steps: round %d/%d%n", round + 1, rounds);
                log.flush();
            }
            List<BenchmarkReport.MethodStep> rows = new ArrayList<>();
            Stats first = Stats.of(list(perRound[0]));
            for (int i = 0; i < count; i++) {
                Benchmark.MethodSetting m = methods.get(i);
                TrainingRun run = runs.get(i);
                Stats stats = Stats.of(list(perRound[i]));
                List<Double> ratios = new ArrayList<>();
                double sum = 0;
                double worst = 0;
                for (int r = 0; r < rounds; r++) {
                    ratios.add(perRound[i][r] / perRound[0][r]);
                    sum += perRound[i][r];
                    worst = Math.max(worst, perRound[i][r]);
                }
                boolean atInput = !run.isZeroShot() && run.getSoftPrompt().insertsInputPrompt();
                String promptUse = atInput ? "input" : !run.isZeroShot() && run.getSoftPrompt().getLayerPrefix() != null
                        ? "prefix per layer" : "unused";
                int promptLength = spec.apply(m).promptLength();
                long methodValues = run.isZeroShot() ? 0 : run.getSoftPrompt().getTrainableParameterCount();
                rows.add(new BenchmarkReport.MethodStep(m.method(), new TreeMap<>(m.options()), promptLength, promptUse,
                        encoded.get(i).length() + (atInput ? promptLength : 0), methodValues,
                        run.getTrainableParameterCount(), stats, sum / rounds, worst,
                        stats.median() / first.median(), Stats.of(ratios).median()));
            }
            return new BenchmarkReport.MethodSteps(batch.size(), encoded.get(0).length(), warmup, rounds,
                    stepsPerRound, rows, loadBefore, ProcessStatus.loadAverage());
        } finally {
            managers.forEach(NDManager::close);
        }
    }

    private static void step(TrainingRun run, EncodedBatch encoded, List<Example> batch, Benchmark.MethodSetting m) {
        float loss = run.step(encoded, batch, null);
        if (!Float.isFinite(loss)) {
            throw new PeftException("Benchmark: method " + m.method() + " " + m.options() + " reached a loss of "
                    + loss + "; the step time of a diverged run is not meaningful. Check its options.");
        }
    }

    private static List<Double> list(double[] values) {
        List<Double> list = new ArrayList<>();
        for (double v : values) {
            list.add(v);
        }
        return list;
    }
}
