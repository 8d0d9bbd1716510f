package dev.peft4j.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.Options;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.eval.EvaluationResult;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.experiment.RunExecutor;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
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
 * a run resumed from an epoch checkpoint continues exactly as if it had never stopped.
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
        List<Example> train = labelled(limit(load(task, config.trainSplit()), config.trainLimit()));
        List<Example> eval = limit(load(task, config.evalSplit()), config.evalLimit());
        ReparameterizerPlugin plugin = registry.get(spec.methodId());
        Options options = plugin.parseOptions(spec.methodOptions());
        long started = System.nanoTime();
        Engine.getInstance().setRandomSeed((int) spec.seed());
        try (NDManager manager = backbone.getManager().newSubManager();
                Run run = new Run(spec, config, task, plugin, options, manager)) {
            return run.fit(train, eval, started);
        }
    }

    private List<Example> load(Task task, String split) {
        return task.load(split, data.locate(task, split));
    }

    private static List<Example> limit(List<Example> examples, int limit) {
        return limit > 0 && limit < examples.size() ? examples.subList(0, limit) : examples;
    }

    private static List<Example> labelled(List<Example> examples) {
        List<Example> usable = examples.stream().filter(Example::isLabelled).toList();
        if (usable.isEmpty()) {
            throw new PeftException("The training split has no labelled examples");
        }
        return usable;
    }

    /** The state of one run: model, optimizer and the best epoch so far. */
    private final class Run implements AutoCloseable {
        private final RunSpec spec;
        private final TrainingConfig config;
        private final Task task;
        private final NDManager manager;
        private final PromptClassifier classifier;
        private final SoftPrompt softPrompt;
        private final Map<String, Parameter> trainable = new LinkedHashMap<>();
        private final AdamW optimizer;
        private final ParameterStore parameterStore;
        private final BatchEncoder encoder;
        private final @Nullable Path checkpointFolder;
        private final Map<String, float[]> best = new LinkedHashMap<>();
        private final List<EpochMetrics> history = new ArrayList<>();
        private double bestMetric = -1;
        private int bestEpoch;
        private @Nullable PromptEmbeddings bestPrompt;

        Run(RunSpec spec, TrainingConfig config, Task task, ReparameterizerPlugin plugin, Options options,
                NDManager manager) {
            this.spec = spec;
            this.config = config;
            this.task = task;
            this.manager = manager;
            var encoderBlock = backbone.getEncoder();
            PromptShape shape = new PromptShape(spec.promptLength(), encoderBlock.getHiddenSize());
            this.softPrompt = SoftPrompt.builder()
                    .setReparameterizer(plugin.create(shape, options))
                    .optInit(init(config.init()))
                    .optEncoder(encoderBlock)
                    .optSeed(spec.seed())
                    .build();
            this.classifier = PromptClassifier.builder()
                    .setEncoder(encoderBlock)
                    .setNumClasses(BatchEncoder.headUnits(task))
                    .optSoftPrompt(softPrompt)
                    .build();
            classifier.initialize(manager, DataType.FLOAT32, new ai.djl.ndarray.types.Shape(1, 1));
            Map<String, Parameter> promptGroup = new LinkedHashMap<>();
            Map<String, Parameter> headGroup = new LinkedHashMap<>();
            for (var entry : classifier.getParameters()) {
                Parameter p = entry.getValue();
                if (!p.requiresGradient()) {
                    continue;
                }
                p.getArray().setRequiresGradient(true);
                trainable.put(entry.getKey(), p);
                (isHeadParameter(entry.getKey()) ? headGroup : promptGroup).put(entry.getKey(), p);
            }
            this.optimizer = new AdamW(manager, List.of(
                    new AdamW.Group("prompt", promptGroup, (float) spec.learningRate()),
                    new AdamW.Group("head", headGroup, (float) config.headLearningRate())),
                    0.9f, 0.999f, 1e-8f, (float) config.weightDecay());
            this.parameterStore = new ParameterStore(manager, false);
            this.encoder = new BatchEncoder(backbone.getTokenizer(), task, config.maxLength() - spec.promptLength());
            this.checkpointFolder = checkpointRoot == null ? null : checkpointRoot.resolve(spec.getRunId());
        }

        TrainedRun fit(List<Example> train, List<Example> eval, long started) {
            int firstEpoch = resume();
            long peakBytes = 0;
            for (int epoch = firstEpoch; epoch <= config.epochs(); epoch++) {
                Engine.getInstance().setRandomSeed((int) (spec.seed() * 1_000 + epoch));
                double loss = trainEpoch(train, epoch);
                EvaluationResult result = Evaluator.of(task, config.evalBatchSize()).evaluate(eval, this::score);
                EpochMetrics metrics = new EpochMetrics(epoch, loss, result.metrics());
                history.add(metrics);
                double headline = result.getHeadline();
                if (headline > bestMetric) {
                    bestMetric = headline;
                    bestEpoch = epoch;
                    trainable.forEach((name, p) -> best.put(name, p.getArray().toFloatArray()));
                    bestPrompt = softPrompt.export();
                }
                peakBytes = Math.max(peakBytes, PeakMemory.current());
                listener.onEpochEnd(spec, metrics, headline, bestMetric);
                saveCheckpoint(epoch);
                listener.afterCheckpoint(spec, epoch);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            RunResult.Builder result = spec.resultBuilder()
                    .setMetric(task.getHeadlineMetric().getId())
                    .optLearningRate("prompt", spec.learningRate())
                    .optLearningRate("head", config.headLearningRate())
                    .optConfig(config.toMap())
                    .optTrainableParameters(classifier.getTrainableParameterCount())
                    .optExportedPromptParameters(softPrompt.getPromptShape().size())
                    .optWallTimeSeconds(seconds)
                    .optPeakMemoryBytes(Math.max(peakBytes, PeakMemory.current()))
                    .optEnvironment(RunEnvironment.current(backbone.getDevice().toString()));
            history.forEach(result::addEpoch);
            float[] headWeight = best.getOrDefault(headName("weight"), new float[0]);
            float[] headBias = best.getOrDefault(headName("bias"), new float[0]);
            return new TrainedRun(result.build(), Objects.requireNonNull(bestPrompt, "no epoch was evaluated"),
                    headWeight, headBias, task.getLabels());
        }

        private String headName(String suffix) {
            return trainable.keySet().stream().filter(k -> isHeadParameter(k) && k.endsWith(suffix))
                    .findFirst().orElse("head_" + suffix);
        }

        private double trainEpoch(List<Example> train, int epoch) {
            List<Example> order = new ArrayList<>(train);
            Collections.shuffle(order, new Random(spec.seed() * 31 + epoch));
            int steps = (order.size() + config.batchSize() - 1) / config.batchSize();
            if (config.maxSteps() > 0) {
                steps = Math.min(steps, config.maxSteps());
            }
            double sum = 0;
            for (int step = 0; step < steps; step++) {
                List<Example> batch = order.subList(step * config.batchSize(),
                        Math.min(order.size(), (step + 1) * config.batchSize()));
                float loss = trainStep(batch);
                if (!Float.isFinite(loss)) {
                    throw new TrainingDivergedException("Run " + spec.getRunId() + " diverged: the loss is " + loss
                            + " at epoch " + epoch + ", step " + (step + 1) + ". Lower the learning rate (now "
                            + spec.learningRate() + " for the prompt, " + config.headLearningRate()
                            + " for the head) or set max-grad-norm; no result was written for this run.");
                }
                sum += loss;
                listener.onStep(spec, epoch, step + 1, steps, loss);
            }
            return sum / steps;
        }

        private float trainStep(List<Example> batch) {
            EncodedBatch encoded = encoder.encode(batch);
            try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
                NDList inputs = BatchEncoder.inputs(encoded, step);
                NDArray loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray outputs = classifier.forward(parameterStore, inputs, true).singletonOrThrow();
                    loss = encoder.loss(outputs, batch, step);
                    collector.backward(loss);
                }
                if (config.maxGradNorm() > 0) {
                    optimizer.clipGradients((float) config.maxGradNorm());
                }
                optimizer.update();
                return loss.getFloat();
            }
        }

        private float[][] score(List<Example> batch) {
            EncodedBatch encoded = encoder.encode(batch);
            try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
                NDArray outputs = classifier.forward(parameterStore, BatchEncoder.inputs(encoded, step), false)
                        .singletonOrThrow();
                return encoder.scores(outputs, batch);
            }
        }

        /** Restores the latest checkpoint if there is one; returns the first epoch still to train. */
        private int resume() {
            if (checkpointFolder == null) {
                return 1;
            }
            Checkpoint checkpoint = Checkpoint.read(checkpointFolder);
            if (checkpoint == null) {
                return 1;
            }
            if (!checkpoint.runId().equals(spec.getRunId())) {
                throw new PeftException("Checkpoint in " + checkpointFolder + " belongs to run " + checkpoint.runId()
                        + ", not " + spec.getRunId() + ". Delete it or use another checkpoint folder.");
            }
            try (NDManager scratch = manager.newSubManager()) {
                NDList tensors = checkpoint.readTensors(checkpointFolder, scratch);
                for (var entry : trainable.entrySet()) {
                    NDArray saved = tensors.get("param/" + entry.getKey());
                    if (saved == null || !saved.getShape().equals(entry.getValue().getArray().getShape())) {
                        throw new PeftException("Checkpoint in " + checkpointFolder + " lacks parameter '"
                                + entry.getKey() + "' of this configuration. Delete it to start afresh.");
                    }
                    entry.getValue().getArray().set(saved.toFloatArray());
                    NDArray bestValues = tensors.get("best/" + entry.getKey());
                    if (bestValues != null) {
                        best.put(entry.getKey(), bestValues.toFloatArray());
                    }
                }
                optimizer.restore(tensors, checkpoint.step());
            }
            history.addAll(checkpoint.history());
            bestMetric = checkpoint.bestMetric();
            bestEpoch = checkpoint.bestEpoch();
            if (!best.isEmpty()) {
                bestPrompt = exportWith(best);
            }
            LOG.info("Resumed run {} after epoch {} (best {} at epoch {})", spec.getRunId(),
                    checkpoint.epochsDone(), bestMetric, bestEpoch);
            return checkpoint.epochsDone() + 1;
        }

        /** P' computed from the given parameter values, leaving the live parameters unchanged. */
        private PromptEmbeddings exportWith(Map<String, float[]> values) {
            Map<String, float[]> live = new LinkedHashMap<>();
            trainable.forEach((name, p) -> live.put(name, p.getArray().toFloatArray()));
            trainable.forEach((name, p) -> p.getArray().set(values.get(name)));
            PromptEmbeddings exported = softPrompt.export();
            trainable.forEach((name, p) -> p.getArray().set(live.get(name)));
            return exported;
        }

        private void saveCheckpoint(int epoch) {
            if (checkpointFolder == null) {
                return;
            }
            try (NDManager scratch = manager.newSubManager()) {
                NDList tensors = new NDList();
                trainable.forEach((name, p) -> tensors.add(named(p.getArray().duplicate(), "param/" + name, scratch)));
                best.forEach((name, values) -> tensors.add(named(
                        scratch.create(values, trainable.get(name).getArray().getShape()), "best/" + name, scratch)));
                for (NDArray moment : optimizer.state()) {
                    tensors.add(named(moment.duplicate(), moment.getName(), scratch));
                }
                Checkpoint.write(checkpointFolder, new Checkpoint(spec.getRunId(), epoch, optimizer.getStep(),
                        bestMetric, bestEpoch, history, ""), tensors);
            }
        }

        private NDArray named(NDArray array, String name, NDManager owner) {
            array.attach(owner);
            array.setName(name);
            return array;
        }

        @Override
        public void close() {
            // the run's arrays live on its manager, closed by the caller
        }
    }

    /**
     * Whether a classifier parameter belongs to the head. DJL prefixes a child block's parameter
     * names with the child's position ({@code 03head_weight}), so a plain {@code startsWith("head")}
     * never matches.
     */
    static boolean isHeadParameter(String name) {
        return name.matches("\\d*head_.*");
    }

    private static PromptInit init(String init) {
        if (init.equals("vocab")) {
            return PromptInit.sampledVocabulary();
        }
        if (init.equals("uniform")) {
            return PromptInit.uniform();
        }
        return PromptInit.text(init.substring("text:".length()));
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

        /** A folder for per-run checkpoints (one sub-folder per run id); runs resume from it. */
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
