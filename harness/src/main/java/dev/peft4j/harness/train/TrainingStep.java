package dev.peft4j.harness.train;

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
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.nn.AdamW;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The model, optimizer and single training step of one run, exactly as {@link PromptTrainer}
 * trains: tokenize, forward through the frozen encoder with the prompt inside a gradient
 * collector, backward, optional gradient clipping, AdamW update; every step's arrays in a
 * sub-manager that is closed after the step. Public so that benchmarks time the trainer's own
 * path rather than a copy of it.
 */
public final class TrainingStep {

    /** Batches per shuffled window inside which examples are sorted by length (bucketing). */
    static final int BUCKET_WINDOW_BATCHES = 50;

    private final RunSpec spec;
    private final TrainingConfig config;
    final PromptClassifier classifier;
    final SoftPrompt softPrompt;
    final Map<String, Parameter> trainable = new LinkedHashMap<>();
    /** The head's parameters by their own name ({@code weight}, {@code bias}) to their name in the model. */
    final Map<String, String> headNames = new LinkedHashMap<>();
    final AdamW optimizer;
    final ParameterStore parameterStore;
    final BatchEncoder encoder;
    private final NDManager manager;
    private final Map<Example, Integer> lengths = new IdentityHashMap<>();

    private TrainingStep(Backbone backbone, Task task, ReparameterizerPlugin plugin, RunSpec spec, NDManager manager) {
        this.spec = spec;
        this.config = TrainingConfig.fromMap(spec.shared());
        this.manager = manager;
        Options options = plugin.parseOptions(spec.methodOptions());
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
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        Map<String, Parameter> promptGroup = new LinkedHashMap<>();
        Map<String, Parameter> headGroup = new LinkedHashMap<>();
        // found by identity: DJL prefixes child parameter names with the child's position (03head_weight)
        var headParameters = classifier.getHead().getParameters().values();
        for (var entry : classifier.getParameters()) {
            Parameter p = entry.getValue();
            if (!p.requiresGradient()) {
                continue;
            }
            p.getArray().setRequiresGradient(true);
            trainable.put(entry.getKey(), p);
            boolean inHead = headParameters.contains(p);
            (inHead ? headGroup : promptGroup).put(entry.getKey(), p);
            if (inHead) {
                headNames.put(p.getName(), entry.getKey());
            }
        }
        this.optimizer = new AdamW(manager, List.of(
                new AdamW.Group("prompt", promptGroup, (float) spec.learningRate()),
                new AdamW.Group("head", headGroup, (float) config.headLearningRate())),
                0.9f, 0.999f, 1e-8f, (float) config.weightDecay());
        this.parameterStore = new ParameterStore(manager, false);
        this.encoder = new BatchEncoder(backbone.getTokenizer(), task, config.maxLength() - spec.promptLength());
    }

    /**
     * Builds the model and optimizer of {@code spec} (method options, prompt length, learning
     * rate, seed and the training settings in {@code spec.shared()}) on {@code manager}, which
     * owns every array of the run; close it to free them.
     */
    public static TrainingStep create(Backbone backbone, Task task, ReparameterizerPlugin plugin, RunSpec spec,
            NDManager manager) {
        return new TrainingStep(backbone, task, plugin, spec, manager);
    }

    /** The classifier (soft prompt, frozen encoder, head). */
    public PromptClassifier getClassifier() {
        return classifier;
    }

    /** The trainable prompt and its reparameterizer Φ. */
    public SoftPrompt getSoftPrompt() {
        return softPrompt;
    }

    /** The parameter store the step uses. */
    public ParameterStore getParameterStore() {
        return parameterStore;
    }

    /** The training settings of this run. */
    public TrainingConfig getConfig() {
        return config;
    }

    /** Tokenizes a batch as the step does. */
    public EncodedBatch encode(List<Example> batch) {
        return encoder.encode(batch);
    }

    /** One training step on {@code batch}; returns its loss (read back to the host once). */
    public float step(List<Example> batch) {
        return step(encoder.encode(batch), batch, null);
    }

    /**
     * One training step on an already tokenized batch.
     *
     * @param phaseNanos when not null (length at least 4), receives the wall time of the four
     *                   phases: inputs to the device, forward and loss, backward, optimizer update
     *                   (on a CPU each operation completes before the next starts, so the split is
     *                   exact there; on a GPU it is not)
     */
    public float step(EncodedBatch encoded, List<Example> batch, long @Nullable [] phaseNanos) {
        long t0 = System.nanoTime();
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDList inputs = BatchEncoder.inputs(encoded, step);
            long t1 = System.nanoTime();
            NDArray loss;
            long t2;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray outputs = classifier.forward(parameterStore, inputs, true).singletonOrThrow();
                loss = encoder.loss(outputs, batch, step);
                t2 = System.nanoTime();
                collector.backward(loss);
            }
            long t3 = System.nanoTime();
            if (config.maxGradNorm() > 0) {
                optimizer.clipGradients((float) config.maxGradNorm());
            }
            optimizer.update();
            float value = loss.getFloat();
            long t4 = System.nanoTime();
            if (phaseNanos != null) {
                phaseNanos[0] = t1 - t0;
                phaseNanos[1] = t2 - t1;
                phaseNanos[2] = t3 - t2;
                phaseNanos[3] = t4 - t3;
            }
            return value;
        }
    }

    /** Scores a batch without gradients (evaluation mode), one row per example. */
    public float[][] score(List<Example> batch) {
        EncodedBatch encoded = encoder.encode(batch);
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray outputs = classifier.forward(parameterStore, BatchEncoder.inputs(encoded, step), false)
                    .singletonOrThrow();
            return encoder.scores(outputs, batch);
        }
    }

    /**
     * The batches of one epoch: the training split shuffled with the run's seed and the epoch;
     * with the {@code bucket} setting, examples are then sorted by token count inside windows of
     * {@value #BUCKET_WINDOW_BATCHES} batches and the window's batches shuffled again, so batches
     * hold sequences of similar length (less padding) and the order still depends only on the seed.
     */
    public List<List<Example>> batches(List<Example> train, int epoch) {
        List<Example> order = new ArrayList<>(train);
        Random random = new Random(spec.seed() * 31 + epoch);
        Collections.shuffle(order, random);
        if (config.bucket()) {
            return LengthBuckets.batches(order, this::tokenCount, config.batchSize(), BUCKET_WINDOW_BATCHES, random);
        }
        List<List<Example>> batches = new ArrayList<>();
        for (int start = 0; start < order.size(); start += config.batchSize()) {
            batches.add(order.subList(start, Math.min(order.size(), start + config.batchSize())));
        }
        return batches;
    }

    /** The padded length of an example alone (the longest of its inputs), computed once per example. */
    private int tokenCount(Example example) {
        return lengths.computeIfAbsent(example, e -> encoder.encode(List.of(e)).length());
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
}
