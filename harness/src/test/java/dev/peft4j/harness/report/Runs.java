package dev.peft4j.harness.report;

import java.util.List;
import java.util.Map;

/** Fixed run results for report tests. */
final class Runs {

    static final RunEnvironment ENV = new RunEnvironment("17.0.15", "Linux 6.1 amd64", 2, "cpu()", null);

    private Runs() {}

    static RunResult run(String method, String task, String metric, long seed, double lr, double... epochValues) {
        RunResult.Builder b = RunResult.builder()
                .setRunId(method + "_" + task + "_lr" + lr + "_s" + seed)
                .setMethodId(method)
                .setTaskId(task)
                .setMetric(metric)
                .setSeed(seed)
                .optSettings("n=10 lr=" + lr)
                .optPromptLength(10)
                .optLearningRate(lr)
                .optConfig(Map.of("epochs", Integer.toString(epochValues.length)))
                .optTrainableParameters(7680)
                .optExportedPromptParameters(3840)
                .optWallTimeSeconds(12.5)
                .optPeakMemoryBytes(1L << 30)
                .optEnvironment(ENV);
        for (int e = 0; e < epochValues.length; e++) {
            b.addEpoch(new EpochMetrics(e + 1, 0.5 / (e + 1), Map.of(metric, epochValues[e])));
        }
        return b.build();
    }

    /** residual-prompt: CB seeds 1..3 best 0.70/0.72/0.74, RTE seeds 1..2 best 0.60/0.64; prompt-tuning: CB seed 1 0.50. */
    static List<RunResult> fixed() {
        return List.of(
                run("residual-prompt", "rte", "accuracy", 2, 0.3, 0.55, 0.64),
                run("residual-prompt", "cb", "acc_f1", 1, 0.3, 0.60, 0.70, 0.65),
                run("residual-prompt", "cb", "acc_f1", 2, 0.3, 0.72, 0.71, 0.70),
                run("residual-prompt", "cb", "acc_f1", 3, 0.3, 0.50, 0.60, 0.74),
                run("prompt-tuning", "cb", "acc_f1", 1, 0.3, 0.40, 0.50, 0.45),
                run("residual-prompt", "rte", "accuracy", 1, 0.3, 0.60, 0.58));
    }
}
