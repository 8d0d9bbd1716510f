package dev.peft4j.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.harness.data.DataFingerprint;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.eval.EvaluationResult;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.experiment.RunExecutor;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.experiment.TrainingDivergedException;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a soft prompt (P and Φ) and a classification head on a task with the backbone frozen,
 * evaluates on the validation split after every epoch, keeps the best epoch's state (selection on
 * validation, as the paper does) and reports a {@link RunResult}.
 *
 * <p>Reproducible: the same run on the same thread count gives the same metrics. Shuffling uses
 * {@code seed} and the epoch; the engine's generator is re-seeded at the start of every epoch, so
 * a run resumed from an epoch checkpoint continues exactly as if it had never stopped. The run's
 * state (model, optimizer, best epoch, checkpoints) lives in its {@link TrainingRun}; this class
 * loads the data and drives the epochs.
 *
 * <p>A run of prompt length 0 is zero-shot: a verbalizer head's template alone, with nothing to
 * train. It is evaluated once and recorded as epoch 0 (no training loss, no checkpoint).
 */
public final class PromptTrainer implements RunExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(PromptTrainer.class);

    private final Backbone backbone;
    private final PluginRegistry registry;
    private final Function<String, Task> tasks;
    private final DataLocator data;
    private final @Nullable Path checkpointRoot;
    private final TrainingListener listener;

    private PromptTrainer(Builder builder) {
        this.backbone = Objects.requireNonNull(builder.backbone, "setBackbone(...) is required");
        this.registry = Objects.requireNonNull(builder.registry, "setRegistry(...) is required");
        this.tasks = Objects.requireNonNull(builder.tasks, "setTasks(...) is required");
        this.data = Objects.requireNonNull(builder.data, "setData(...) is required");
        this.checkpointRoot = builder.checkpointRoot;
        this.listener = builder.listener;
        // the revision of the code that starts training now, not of whatever is committed when a run ends
        RunEnvironment.startRevision();
    }

    /** A builder; backbone, registry, tasks and data are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public RunResult execute(RunSpec spec) {
        return train(spec).result();
    }

    /** Trains one run and returns its result together with the best epoch's exported prompt and head. */
    public TrainedRun train(RunSpec spec) {
        TrainingConfig config = TrainingConfig.fromMap(spec.shared());
        if (!config.backbone().equals(backbone.getName())) {
            throw new PeftException("Run " + spec.getRunId() + " asks for backbone '" + config.backbone()
                    + "' but this trainer holds '" + backbone.getName() + "'. Group runs by backbone.");
        }
        Task task = tasks.apply(spec.taskId());
        checkData(spec, task, config);
        List<Example> train = labelled(task, limit(load(task, config.trainSplit()), config.trainLimit()));
        List<Example> eval = limit(load(task, config.evalSplit()), config.evalLimit());
        ReparameterizerPlugin plugin = registry.get(spec.methodId());
        long started = System.nanoTime();
        PeakMemory.reset();
        // process-wide in libtorch: set on every run so a float32 run after a bf16 one is float32 again
        MatmulPrecision.parse(config.matmulPrecision()).apply();
        Engine.getInstance().setRandomSeed((int) spec.seed());
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun run = TrainingRun.create(backbone, task, plugin, spec, config, manager);
            return fit(run, spec, config, task, train, eval, started);
        }
    }

    /**
     * The fingerprint of the data a run of this configuration reads (its training and evaluation
     * splits of {@code task}), for {@link RunSpec#withDataFingerprint}: the trainer refuses a run
     * whose spec names another.
     *
     * @throws PeftException if a split's file cannot be found or read
     */
    public static String dataFingerprint(Task task, TrainingConfig config, DataLocator data) {
        return DataFingerprint.of(task, List.of(config.trainSplit(), config.evalSplit()), data);
    }

    /** Refuses a spec made for other data; warns when a spec without a fingerprint uses checkpoints. */
    private void checkData(RunSpec spec, Task task, TrainingConfig config) {
        String fingerprint = dataFingerprint(task, config, data);
        if (!spec.dataFingerprint().isEmpty() && !spec.dataFingerprint().equals(fingerprint)) {
            throw new PeftException("Run " + spec.getRunId() + " was specified for data with fingerprint "
                    + spec.dataFingerprint() + ", but the splits '" + config.trainSplit() + "' and '"
                    + config.evalSplit() + "' of task '" + task.getId() + "' now read (" + data.locate(task,
                    config.trainSplit()) + ", " + data.locate(task, config.evalSplit()) + ") have fingerprint "
                    + fingerprint + ": their content, fields or labels changed. Restore that data, or specify the "
                    + "run again with withDataFingerprint(PromptTrainer.dataFingerprint(...)).");
        }
        if (spec.dataFingerprint().isEmpty() && checkpointRoot != null) {
            LOG.warn("Run {} has no data fingerprint, so its checkpoint cannot tell data apart; give it one with "
                    + "withDataFingerprint(PromptTrainer.dataFingerprint(...))", spec.getRunId());
        }
    }

    /**
     * The best epoch of a run that was trained with checkpoints into this trainer's checkpoint
     * folder, rebuilt without training: the prompt {@code P'} (computed from the best P and Φ) and
     * the head, ready to export.
     *
     * @param result the run's result (its configuration names the run)
     * @throws PeftException when there is no checkpoint folder or no checkpoint for the run
     */
    public TrainedRun restoreBest(RunResult result) {
        RunSpec spec = RunSpec.fromConfig(result.config());
        if (!spec.getRunId().equals(result.runId())) {
            throw new PeftException("Run " + result.runId() + " cannot be rebuilt from its recorded configuration (it "
                    + "rebuilds as " + spec.getRunId() + "); re-train it with the command line, which records every "
                    + "setting");
        }
        if (spec.promptLength() == 0) {
            throw new PeftException("Run " + result.runId() + " is zero-shot (prompt length 0): it has no prompt to "
                    + "export; its result JSON holds its scores.");
        }
        if (checkpointRoot == null) {
            throw new PeftException("Restoring run " + result.runId() + " needs the checkpoint folder it was trained "
                    + "with; set optCheckpointRoot");
        }
        TrainingConfig config = TrainingConfig.fromMap(spec.shared());
        Task task = tasks.apply(spec.taskId());
        ReparameterizerPlugin plugin = registry.get(spec.methodId());
        Path folder = checkpointRoot.resolve(spec.getRunId());
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun run = TrainingRun.create(backbone, task, plugin, spec, config, manager);
            if (run.restore(folder) == 0 || !run.hasBestEpoch()) {
                throw new PeftException("No usable checkpoint with an evaluated epoch for run " + spec.getRunId()
                        + " in " + folder + ". Export needs the results folder the run was trained into; train the "
                        + "run again if its checkpoint is gone or unusable (the log says why).");
            }
            return run.finish(result);
        }
    }

    private List<Example> load(Task task, String split) {
        return task.load(split, data.locate(task, split));
    }

    private static List<Example> limit(List<Example> examples, int limit) {
        return limit > 0 && limit < examples.size() ? examples.subList(0, limit) : examples;
    }

    private static List<Example> labelled(Task task, List<Example> examples) {
        List<Example> usable = examples.stream().filter(Example::isLabelled).toList();
        if (usable.isEmpty()) {
            throw new PeftException("The training split has no labelled examples");
        }
        if (usable.size() < examples.size()) {
            String first = examples.stream().filter(e -> !e.isLabelled()).findFirst().map(Example::id).orElse("");
            LOG.warn("{} of {} training examples of task '{}' have no label and are left out of training (the first: "
                    + "'{}'); check the training split", examples.size() - usable.size(), examples.size(), task.getId(),
                    first);
        }
        return usable;
    }

    /**
     * Trains the epochs {@code run} has not done yet (all of them, or those after its newest
     * usable checkpoint), evaluating and checkpointing after each, and returns the result with the
     * best epoch.
     */
    private TrainedRun fit(TrainingRun run, RunSpec spec, TrainingConfig config, Task task, List<Example> train,
            List<Example> eval, long started) {
        if (run.isZeroShot()) {
            EvaluationResult result = Evaluator.of(task, config.evalBatchSize()).evaluate(eval, run::score);
            EpochMetrics metrics = new EpochMetrics(0, Double.NaN, result.metrics());
            listener.onEpochEnd(spec, metrics, result.getHeadline(), result.getHeadline());
            return run.finish(result(run, spec, config, task, eval, started, PeakMemory.current())
                    .addEpoch(metrics).build());
        }
        @Nullable Path checkpoints = checkpointRoot == null ? null : checkpointRoot.resolve(spec.getRunId());
        int firstEpoch = checkpoints == null ? 1 : run.restore(checkpoints) + 1;
        long peakBytes = 0;
        for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
            Engine.getInstance().setRandomSeed((int) (spec.seed() * 1_000 + epoch));
            double loss = trainEpoch(run, spec, config, train, epoch);
            EpochMetrics metrics;
            double headline = Double.NaN;
            if (epoch % config.evalEvery() == 0 || epoch == config.epochs()) {
                EvaluationResult result = Evaluator.of(task, config.evalBatchSize()).evaluate(eval, run::score);
                metrics = new EpochMetrics(epoch, loss, result.metrics());
                headline = result.getHeadline();
            } else {
                metrics = new EpochMetrics(epoch, loss, Map.of());
            }
            run.endEpoch(metrics, headline);
            peakBytes = Math.max(peakBytes, PeakMemory.current());
            listener.onEpochEnd(spec, metrics, headline, run.getBestMetric());
            if (checkpoints != null) {
                run.saveCheckpoint(checkpoints, epoch, secondsSpent(run, started));
            }
            listener.afterCheckpoint(spec, epoch);
        }
        RunResult.Builder result = result(run, spec, config, task, eval, started, peakBytes);
        run.getHistory().forEach(result::addEpoch);
        return run.finish(result.build());
    }

    /** Wall-clock seconds spent on {@code run}: by this process since {@code started}, and before it resumed. */
    private static double secondsSpent(TrainingRun run, long started) {
        return run.getSecondsBeforeResume() + (System.nanoTime() - started) / 1e9;
    }

    /** The result of {@code run} so far, without its epochs. */
    private RunResult.Builder result(TrainingRun run, RunSpec spec, TrainingConfig config, Task task,
            List<Example> eval, long started, long peakBytes) {
        RunResult.Builder result = spec.resultBuilder()
                .setMetric(task.getHeadlineMetric().getId())
                .optLearningRate("prompt", spec.learningRate())
                .optLearningRate("head", config.headLearningRate())
                .optConfig(config.toMap())
                .optMethodOptions(registry.get(spec.methodId()).parseOptions(spec.methodOptions()).asStringMap())
                .optTrainableParameters(run.getTrainableParameterCount())
                .optExportedPromptParameters(run.getExportedParameterCount())
                .optWallTimeSeconds(secondsSpent(run, started))
                .optPeakMemoryBytes(Math.max(peakBytes, PeakMemory.current()))
                .optEnvironment(RunEnvironment.current(backbone.getDevice().toString()));
        Evaluator.of(task).majorityClassHeadline(eval).ifPresent(result::optMajorityClassMetric);
        return result;
    }

    private double trainEpoch(TrainingRun run, RunSpec spec, TrainingConfig config, List<Example> train, int epoch) {
        List<List<Example>> batches = run.batches(train, epoch);
        int steps = batches.size();
        if (config.maxSteps() > 0) {
            steps = Math.min(steps, config.maxSteps());
        }
        double sum = 0;
        for (int step = 0; step < steps; step++) {
            float loss = run.step(batches.get(step));
            if (!Float.isFinite(loss)) {
                String reason = "the loss is " + loss + " at epoch " + epoch + ", step " + (step + 1);
                throw new TrainingDivergedException("Run " + spec.getRunId() + " diverged: " + reason
                        + ". Lower the learning rate (now " + spec.learningRate() + " for the prompt, "
                        + config.headLearningRate() + " for the head) or set max-grad-norm.", reason);
            }
            sum += loss;
            listener.onStep(spec, epoch, step + 1, steps, loss);
        }
        return sum / steps;
    }

    /** Builds a {@link PromptTrainer}. */
    public static final class Builder {
        private @Nullable Backbone backbone;
        private @Nullable PluginRegistry registry;
        private @Nullable Function<String, Task> tasks;
        private @Nullable DataLocator data;
        private @Nullable Path checkpointRoot;
        private TrainingListener listener = new TrainingListener() {};

        private Builder() {}

        /** The frozen backbone every run uses. */
        public Builder setBackbone(Backbone backbone) {
            this.backbone = backbone;
            return this;
        }

        /** Where methods are found by id. */
        public Builder setRegistry(PluginRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Resolves a task id to its task. */
        public Builder setTasks(Function<String, Task> tasks) {
            this.tasks = tasks;
            return this;
        }

        /** Where split files are found. */
        public Builder setData(DataLocator data) {
            this.data = data;
            return this;
        }

        /**
         * A folder for per-run checkpoints (one sub-folder per run id); runs resume from it, and a
         * run whose checkpoint is unusable (corrupt, unreadable, another run's) starts afresh with a warning.
         */
        public Builder optCheckpointRoot(Path checkpointRoot) {
            this.checkpointRoot = checkpointRoot;
            return this;
        }

        /** Progress callbacks. */
        public Builder optListener(TrainingListener listener) {
            this.listener = listener;
            return this;
        }

        /** Builds the trainer. */
        public PromptTrainer build() {
            return new PromptTrainer(this);
        }
    }
}
