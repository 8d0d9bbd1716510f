package dev.peft4j.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.LayerPrefix;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.LowRankUpdate;
import dev.peft4j.api.Options;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptCreationContext;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.api.internal.AtomicFiles;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.backbones.TextToTextClassifier;
import dev.peft4j.backbones.Verbalizer;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.inference.LayerAdapter;
import dev.peft4j.inference.LoraAdapter;
import dev.peft4j.inference.PrefixTuningAdapter;
import dev.peft4j.nn.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run in training, and the only holder of its state: the model (soft prompt, frozen encoder,
 * head) and its trainable parameters, the AdamW optimizer, the training step, the epochs done and
 * a snapshot of the best epoch, plus the checkpoint that saves and restores all of it. The step
 * tokenizes, runs the frozen encoder with the prompt inside a gradient collector, goes backward,
 * optionally clips gradients and updates; every step's arrays live in a sub-manager closed after
 * the step. {@link PromptTrainer} drives the epochs; benchmarks time this very step rather than a
 * copy of it.
 *
 * <p>The best epoch is kept as a snapshot taken when it is evaluated: {@code P'} exported then
 * (for a method that acts only inside the layers, what its PEFT adapter holds instead: the
 * computed prefix in PEFT's rows, or the LoRA factors of every layer and target), and the raw
 * values of every trainable parameter (the head among them) for the checkpoint. The live
 * parameters are never overwritten with it.
 */
public final class TrainingRun {

    /** Batches per shuffled window inside which examples are sorted by length (bucketing). */
    static final int BUCKET_WINDOW_BATCHES = 50;

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    /** Checkpoint tensor names: the live values, the best epoch's values, and {@code P'} of the best epoch. */
    private static final String PARAMETER = "param/";
    private static final String BEST = "best/";
    private static final String BEST_PROMPT = "best-prompt";

    private final RunSpec spec;
    private final TrainingConfig config;
    private final List<String> labels;
    /** The BERT-family model (a linear or verbalizer head), null for a T5 backbone. */
    private final @Nullable PromptClassifier classifier;
    /** The T5 model scoring label texts, null for a BERT-family backbone. */
    private final @Nullable TextToTextClassifier textToText;
    /** Whichever of the two this run trains. */
    private final AbstractBlock model;
    /** The prompt, null for a zero-shot run (prompt length 0). */
    private final @Nullable SoftPrompt softPrompt;
    /** Whether the prompt acts only inside the layers (prefix, LoRA): nothing at the input, no {@code P'}. */
    private final boolean layerOnly;
    private final int numLayers;
    private final int numAttentionHeads;
    /** The method's LoRA dropout option as recorded in a PEFT config, 0 when it has none. */
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();
    /** The head's parameters by their own name ({@code weight}, {@code bias}) to their name in the model. */
    private final Map<String, String> headNames = new LinkedHashMap<>();
    private final AdamW optimizer;
    private final ParameterStore parameterStore;
    private final BatchEncoder encoder;
    /** The verbalizer's template and label words, null with a linear head. */
    private final @Nullable VerbalizerTemplate template;
    /** The text-to-text head's input template and label texts, null for other heads. */
    private final @Nullable TextToTextTemplate textTemplate;
    private final NDManager manager;
    private final Map<Example, Integer> lengths = new IdentityHashMap<>();
    private final List<EpochMetrics> history = new ArrayList<>();
    /** Wall-clock seconds that earlier processes spent on this run, from its restored checkpoint. */
    private double secondsBeforeResume;
    private @Nullable BestEpoch best;

    /**
     * The best epoch so far, copied to the host when it was evaluated.
     *
     * @param epoch      the epoch
     * @param metric     its validation headline
     * @param prompt     {@code P'} exported at that epoch, null for a layer-only method
     * @param layers     a layer-only method's adapter at that epoch (prefix rows or LoRA factors), else null
     * @param parameters the raw values of every trainable parameter at that epoch, by name
     */
    private record BestEpoch(int epoch, double metric, @Nullable PromptEmbeddings prompt,
            @Nullable LayerAdapter layers, Map<String, float[]> parameters) {}

    private TrainingRun(Backbone backbone, Task task, ReparameterizerPlugin plugin, RunSpec spec, TrainingConfig config,
            NDManager manager) {
        this.spec = spec;
        this.config = config;
        this.labels = task.getLabels();
        this.manager = manager;
        Options options = plugin.parseOptions(spec.methodOptions());
        checkHead(backbone, config);
        var encoderBlock = backbone.getPromptableEncoder();
        TrainingRunCheck.checkZeroShot(spec, config);
        // the framework refuses options of another plugin here (SoftPrompt.create), and a method
        // that owns its parameters gets the backbone's facts; the longest text is what the tokenizer keeps
        this.numLayers = backbone.getNumLayers();
        this.numAttentionHeads = backbone.getNumAttentionHeads();
        this.softPrompt = spec.promptLength() == 0 ? null : SoftPrompt.create(plugin, options,
                PromptCreationContext.builder(new PromptShape(spec.promptLength(), encoderBlock.getHiddenSize()))
                .optEncoder(encoderBlock)
                .optLayers(numLayers, numAttentionHeads)
                .optIntermediateSize(backbone.getIntermediateSize())
                // a layer-only method's prefix takes no input positions and may be longer than max-length
                .optMaxTextLength(config.maxLength() > spec.promptLength() ? config.maxLength() - spec.promptLength()
                        : config.maxLength())
                .optInit(init(config.init()))
                .optSeed(spec.seed())
                .build());
        this.layerOnly = softPrompt != null && !softPrompt.insertsInputPrompt();
        if (softPrompt != null && layerOnly) {
            checkLayerOnly(spec, config, softPrompt);
        } else if (softPrompt != null) {
            TrainingRunCheck.checkTextPositions(spec, config);
        }
        this.template = config.isVerbalizer() ? VerbalizerTemplate.resolve(task, config) : null;
        this.textTemplate = config.isTextToText() ? TextToTextTemplate.resolve(task, config) : null;
        Verbalizer verbalizer = template != null ? Verbalizer.of(backbone, template.labelWords()) : null;
        if (textTemplate != null) {
            checkNoTextUpdate(spec, softPrompt);
            // the frozen decoder scores label texts: the prompt is the only learner
            this.classifier = null;
            TextToTextClassifier.Builder builder = TextToTextClassifier.builder()
                    .setModel(backbone.getT5Model().orElseThrow())
                    .setLabelTokenIds(TextToTextClassifier.labelTokenIds(backbone, textTemplate.labelTexts()));
            if (softPrompt != null) {
                builder.optSoftPrompt(softPrompt);
            }
            this.textToText = builder.build();
            this.model = textToText;
        } else {
            PromptClassifier.Builder builder = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                    .optPlacement(config.promptPlacement());
            if (softPrompt != null) {
                builder.optSoftPrompt(softPrompt);
            }
            // the verbalizer's frozen MLM head replaces the linear head: the prompt is the only learner
            this.classifier = (verbalizer != null ? builder.optVerbalizer(verbalizer)
                    : builder.setNumClasses(BatchEncoder.headUnits(task))).build();
            this.textToText = null;
            this.model = classifier;
        }
        model.initialize(manager, DataType.FLOAT32, new Shape(1, 1));
        Map<String, Parameter> promptGroup = new LinkedHashMap<>();
        Map<String, Parameter> headGroup = new LinkedHashMap<>();
        // found by identity: DJL prefixes child parameter names with the child's position (03head_weight)
        var headParameters = classifier == null || verbalizer != null ? List.<Parameter>of()
                : classifier.getHead().getParameters().values();
        for (var entry : model.getParameters()) {
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
        // a layer-only method inserts nothing at the input: the classifier's prompt length is 0 then; a layer
        // prefix shifts the text's positions by m (as in Hugging Face), so the text must also fit beside it
        int maxTokens = config.maxLength() - (classifier != null ? classifier.getPromptLength() : spec.promptLength());
        var layerPrefix = softPrompt == null ? null : softPrompt.getLayerPrefix();
        if (layerPrefix != null) {
            maxTokens = Math.min(maxTokens, encoderBlock.getMaxPositions() - layerPrefix.getPrefixLength());
            if (maxTokens < TrainingRunCheck.MIN_TEXT_POSITIONS) {
                throw new InvalidOptionException("A layer prefix of " + layerPrefix.getPrefixLength() + " positions "
                        + "shifts the text's positions (as in Hugging Face) and leaves " + maxTokens + " of the model's "
                        + encoderBlock.getMaxPositions() + " positions for the text; a sequence needs at least "
                        + TrainingRunCheck.MIN_TEXT_POSITIONS + ". Shorten the prefix (--prompt-lengths).");
            }
        }
        this.encoder = textTemplate != null ? new BatchEncoder(backbone.getTokenizer(), task, maxTokens, textTemplate)
                : new BatchEncoder(backbone.getTokenizer(), task, maxTokens, template, verbalizer);
    }

    /** Refuses a head the backbone cannot serve, saying which one it needs. */
    private static void checkHead(Backbone backbone, TrainingConfig config) {
        if (backbone.isTextToText() && !config.isTextToText()) {
            throw new InvalidOptionException("The backbone " + backbone.getName() + " is a T5, which classifies by "
                    + "scoring label texts; use the text-to-text head (--head " + TrainingConfig.TEXT_TO_TEXT
                    + ", setting 'head'), not '" + config.head() + "'.");
        }
        if (!backbone.isTextToText() && config.isTextToText()) {
            throw new InvalidOptionException("The text-to-text head needs a T5 backbone (a Hugging Face folder whose "
                    + "config.json says model_type \"t5\"); " + backbone.getName() + " is a BERT-family encoder. Use "
                    + "--head linear or verbalizer with it.");
        }
    }

    /**
     * Refuses, on a T5, a method that also updates the text's input embeddings (DePT): the T5
     * path prepends {@code P'} only, so the update would silently not be trained.
     */
    private static void checkNoTextUpdate(RunSpec spec, @Nullable SoftPrompt softPrompt) {
        if (softPrompt != null && softPrompt.getTextEmbeddingUpdate() != null) {
            throw new InvalidOptionException("Method '" + spec.methodId() + "' also updates the text's input "
                    + "embeddings, which the text-to-text head (T5) does not support yet: it prepends the prompt "
                    + "only. Use the method with a BERT backbone, or a method that only prepends a prompt on T5.");
        }
    }

    /**
     * Refuses, before training, a layer-only method (prefix tuning, LoRA) where it would not be
     * trained or exported as asked: on a T5, whose text-to-text path applies input prompts only;
     * combined with an update of the text's input embeddings (DePT-style), which no PEFT layer
     * adapter can hold; and a method with both or neither of a prefix and a low-rank update, which
     * is no PEFT adapter type.
     */
    private static void checkLayerOnly(RunSpec spec, TrainingConfig config, SoftPrompt prompt) {
        String method = "Method '" + spec.methodId() + "'";
        if (config.isTextToText()) {
            throw new InvalidOptionException(method + " acts inside the encoder's layers (a per-layer prefix or a "
                    + "low-rank update), which the text-to-text head (T5) does not support: it applies input "
                    + "prompts only. Train the method on a BERT-family backbone, or use an input-prompt method on T5.");
        }
        if (prompt.getTextEmbeddingUpdate() != null) {
            throw new InvalidOptionException(method + " acts inside the layers and also updates the text's input "
                    + "embeddings; a PEFT prefix or LoRA adapter cannot hold that update, so the run could not be "
                    + "exported or served. Combine the update with an input prompt instead.");
        }
        boolean prefix = prompt.getLayerPrefix() != null;
        boolean lowRank = prompt.getLowRankUpdate() != null;
        if (prefix == lowRank) {
            throw new InvalidOptionException(method + " places nothing at the input and "
                    + (prefix ? "has both a layer prefix and a low-rank update" : "neither a layer prefix nor a "
                            + "low-rank update") + "; peft4j trains and exports a layer-only method that has exactly "
                    + "one of them (a PEFT PREFIX_TUNING or LORA adapter).");
        }
    }

    /**
     * Builds the model and optimizer of {@code spec} (method options, prompt length, learning
     * rate, seed and the training settings in {@code spec.shared()}) on {@code manager}, which
     * owns every array of the run; close it to free them.
     */
    public static TrainingRun create(Backbone backbone, Task task, ReparameterizerPlugin plugin, RunSpec spec,
            NDManager manager) {
        return create(backbone, task, plugin, spec, TrainingConfig.fromMap(spec.shared()), manager);
    }

    /** As {@link #create(Backbone, Task, ReparameterizerPlugin, RunSpec, NDManager)}, with the settings already read. */
    static TrainingRun create(Backbone backbone, Task task, ReparameterizerPlugin plugin, RunSpec spec,
            TrainingConfig config, NDManager manager) {
        return new TrainingRun(backbone, task, plugin, spec, config, manager);
    }

    /**
     * The classifier (soft prompt, frozen encoder, head).
     *
     * @throws PeftException for a T5 run, whose model is a {@link TextToTextClassifier} ({@link #getModel()})
     */
    public PromptClassifier getClassifier() {
        if (classifier == null) {
            throw new PeftException("This run scores label texts with a T5 (" + textToText + "); it has no "
                    + "PromptClassifier. Use getModel().");
        }
        return classifier;
    }

    /** The model this run trains: a {@link PromptClassifier} or, for a T5, a {@link TextToTextClassifier}. */
    public AbstractBlock getModel() {
        return model;
    }

    /** The number of trainable values: prompt, Φ and a linear head if any (the backbone is frozen). */
    public long getTrainableParameterCount() {
        return textToText != null ? textToText.getTrainableParameterCount()
                : getClassifier().getTrainableParameterCount();
    }

    /**
     * The trainable prompt and its reparameterizer Φ.
     *
     * @throws PeftException for a zero-shot run, which has none
     */
    public SoftPrompt getSoftPrompt() {
        if (softPrompt == null) {
            throw new PeftException("Run " + spec.getRunId() + " is zero-shot (prompt length 0): it has no prompt.");
        }
        return softPrompt;
    }

    /**
     * The number of values inference adds to the frozen model: {@code n·d} for {@code P'}, the
     * prefix of every layer or the LoRA factors for a layer-only method, 0 for a zero-shot run.
     */
    public long getExportedParameterCount() {
        if (softPrompt == null) {
            return 0;
        }
        return layerOnly ? snapshotLayers().parameterCount() : softPrompt.getPromptShape().size();
    }

    /** Whether the method acts only inside the layers (prefix tuning, LoRA), inserting nothing at the input. */
    public boolean isLayerOnly() {
        return layerOnly;
    }

    /** Whether this is a zero-shot run: prompt length 0, the verbalizer's template alone, nothing to train. */
    public boolean isZeroShot() {
        return softPrompt == null;
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
                NDArray outputs = model.forward(parameterStore, inputs, true).singletonOrThrow();
                // text-to-text: the cross-entropy of the gold label texts, not a softmax over the classes
                loss = textToText != null
                        ? textToText.loss(outputs, encoder.labels(batch, textToText.getNumClasses()))
                        : encoder.loss(outputs, batch, step);
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
            NDArray outputs = model.forward(parameterStore, BatchEncoder.inputs(encoded, step), false)
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

    /**
     * Ends an epoch: records its metrics and, when it was evaluated ({@code headline} not NaN)
     * and beat every earlier epoch, takes the best-epoch snapshot ({@code P'} and every trainable
     * parameter's values).
     */
    void endEpoch(EpochMetrics metrics, double headline) {
        if (headline > getBestMetric()) {
            Map<String, float[]> values = new LinkedHashMap<>();
            trainable.forEach((name, p) -> values.put(name, p.getArray().toFloatArray()));
            best = layerOnly ? new BestEpoch(metrics.epoch(), headline, null, snapshotLayers(), values)
                    : new BestEpoch(metrics.epoch(), headline, getSoftPrompt().export(), null, values);
        }
        history.add(metrics);
    }

    /**
     * What a layer-only method's PEFT adapter holds now, computed in evaluation mode and copied to
     * the host: the prefix of every layer in PEFT's {@code (m, L·2·d)} rows, or the LoRA factors of
     * every layer and target with the rank and alpha they imply.
     */
    private LayerAdapter snapshotLayers() {
        SoftPrompt prompt = getSoftPrompt();
        try (NDManager scratch = manager.newSubManager(); NDScope scope = new NDScope()) {
            ParameterStore store = new ParameterStore(scratch, false);
            LayerPrefix prefix = prompt.getLayerPrefix();
            if (prefix != null) {
                NDArray rows = LayerPrefix.toPeftRows(prefix.computePrefix(store, false));
                return new PrefixTuningAdapter(PromptEmbeddings.fromNDArray(rows), numLayers, numAttentionHeads, null);
            }
            LowRankUpdate update = Objects.requireNonNull(prompt.getLowRankUpdate());
            List<LoraAdapter.Factors> factors = new ArrayList<>();
            List<LinearTarget> targets = List.copyOf(EnumSet.copyOf(update.getTargets()));
            int rank = 0;
            for (int layer = 0; layer < numLayers; layer++) {
                for (LinearTarget target : targets) {
                    NDList pair = update.computeFactors(store, layer, target);
                    rank = Math.toIntExact(pair.get(0).getShape().get(0));
                    factors.add(new LoraAdapter.Factors(layer, target, pair.get(0).toFloatArray(),
                            pair.get(1).toFloatArray()));
                }
            }
            // PEFT's scale is lora_alpha / r
            return new LoraAdapter(rank, update.getScale() * rank, false, update.getDropout(), targets, numLayers, factors,
                    null);
        }
    }

    /** {@link #snapshotLayers()} of the given parameter values; the live values are put back afterwards. */
    private LayerAdapter snapshotLayers(Map<String, float[]> values) {
        Map<String, float[]> live = new LinkedHashMap<>();
        trainable.forEach((name, p) -> live.put(name, p.getArray().toFloatArray()));
        try {
            values.forEach((name, v) -> trainable.get(name).getArray().set(v));
            return snapshotLayers();
        } finally {
            live.forEach((name, v) -> trainable.get(name).getArray().set(v));
        }
    }

    /** Wall-clock seconds spent on this run before this process resumed it; 0 when it started here. */
    double getSecondsBeforeResume() {
        return secondsBeforeResume;
    }

    /** The metrics of every epoch done, restored ones included. */
    List<EpochMetrics> getHistory() {
        return List.copyOf(history);
    }

    /** The best validation headline so far, -1 before the first evaluation. */
    double getBestMetric() {
        return best == null ? -1 : best.metric();
    }

    /** Whether an epoch has been evaluated, so that {@link #finish} has a best epoch to return. */
    boolean hasBestEpoch() {
        return best != null;
    }

    /**
     * The finished run: {@code result} with the best epoch's {@code P'} and head; a zero-shot run
     * has neither.
     *
     * @throws IllegalStateException when no epoch was evaluated
     */
    TrainedRun finish(RunResult result) {
        if (softPrompt == null) {
            return textTemplate != null ? new TrainedRun(result, null, labels, textTemplate)
                    : new TrainedRun(result, null, new float[0], new float[0], labels, template,
                            config.promptPlacement(), false);
        }
        if (best == null) {
            throw new IllegalStateException("Run " + spec.getRunId() + " has no evaluated epoch");
        }
        boolean updatesText = softPrompt.getTextEmbeddingUpdate() != null;
        if (template != null) {
            return new TrainedRun(result, best.prompt(), new float[0], new float[0], labels, template, null,
                    config.promptPlacement(), updatesText, best.layers());
        }
        if (textTemplate != null) {
            return new TrainedRun(result, best.prompt(), labels, textTemplate);
        }
        return new TrainedRun(result, best.prompt(), best.parameters().get(headNames.get("weight")),
                best.parameters().get(headNames.get("bias")), labels, null, null, config.promptPlacement(),
                updatesText, best.layers());
    }

    /**
     * Saves the state after {@code epochsDone} epochs (parameters, optimizer moments and step,
     * history, the best-epoch snapshot, the {@code secondsSpent} on the run so far) as a checkpoint
     * in {@code runFolder}; see {@link Checkpoint}.
     */
    void saveCheckpoint(Path runFolder, int epochsDone, double secondsSpent) {
        try (NDManager scratch = manager.newSubManager()) {
            NDList tensors = new NDList();
            trainable.forEach((name, p) -> tensors.add(named(p.getArray().duplicate(), PARAMETER + name, scratch)));
            if (best != null) {
                best.parameters().forEach((name, values) -> tensors.add(named(
                        scratch.create(values, trainable.get(name).getArray().getShape()), BEST + name, scratch)));
                // a layer-only method's adapter is recomputed from the best values on restore
                if (best.prompt() != null) {
                    tensors.add(named(best.prompt().toNDArray(scratch), BEST_PROMPT, scratch));
                }
            }
            for (NDArray moment : optimizer.state()) {
                tensors.add(named(moment.duplicate(), moment.getName(), scratch));
            }
            Checkpoint.write(runFolder, new Checkpoint(spec.getRunId(), epochsDone, optimizer.getStep(),
                    getBestMetric(), best == null ? 0 : best.epoch(), history, "", secondsSpent), tensors);
        }
    }

    /**
     * Restores the newest checkpoint in {@code runFolder}, if there is a usable one.
     *
     * <p>A checkpoint that cannot be used (unreadable, its tensors not matching its recorded
     * SHA-256, another run's, or parameters of other names or shapes) is logged with the folder
     * and the reason, then removed, and the run starts from its first epoch: it costs the epochs
     * it held, never the grid. Temporary folders that killed writers left are removed first.
     *
     * @return the number of epochs the restored checkpoint completed, 0 to train from the start
     */
    int restore(Path runFolder) {
        try {
            AtomicFiles.removeOrphans(runFolder);
        } catch (IOException e) {
            LOG.warn("Could not remove the temporary files of killed runs in {}: {}", runFolder, e.getMessage());
        }
        @Nullable Path folder = Checkpoint.latest(runFolder);
        if (folder == null) {
            if (Checkpoint.hasEarlierLayout(runFolder)) {
                LOG.warn("The checkpoint in {} was written by an earlier peft4j (without the best epoch's prompt); "
                        + "run {} restarts from its first epoch", runFolder, spec.getRunId());
            }
            return 0;
        }
        Checkpoint checkpoint;
        try (NDManager scratch = manager.newSubManager()) {
            checkpoint = Checkpoint.read(folder);
            if (!checkpoint.runId().equals(spec.getRunId())) {
                throw new PromptFormatException("it belongs to run " + checkpoint.runId());
            }
            NDList tensors = checkpoint.readTensors(folder, scratch);
            boolean evaluated = checkpoint.bestEpoch() > 0;
            requireTensors(tensors, evaluated);
            trainable.forEach((name, p) -> p.getArray().set(tensors.get(PARAMETER + name).toFloatArray()));
            optimizer.restore(tensors, checkpoint.step());
            if (evaluated) {
                Map<String, float[]> values = new LinkedHashMap<>();
                trainable.keySet().forEach(name -> values.put(name, tensors.get(BEST + name).toFloatArray()));
                best = layerOnly
                        ? new BestEpoch(checkpoint.bestEpoch(), checkpoint.bestMetric(), null, snapshotLayers(values),
                                values)
                        : new BestEpoch(checkpoint.bestEpoch(), checkpoint.bestMetric(),
                                PromptEmbeddings.fromNDArray(tensors.get(BEST_PROMPT)), null, values);
            }
        } catch (PeftException e) {
            LOG.warn("Checkpoint {} is unusable: {}. Run {} restarts from its first epoch.", folder, e.getMessage(),
                    spec.getRunId());
            Checkpoint.discard(folder);
            return 0;
        }
        history.addAll(checkpoint.history());
        secondsBeforeResume = checkpoint.secondsSpent();
        LOG.info("Resumed run {} after epoch {} (best {} at epoch {})", spec.getRunId(),
                checkpoint.epochsDone(), getBestMetric(), best == null ? 0 : best.epoch());
        return checkpoint.epochsDone();
    }

    /** Checks, before anything is restored, that the checkpoint holds exactly this run's tensors. */
    private void requireTensors(NDList tensors, boolean evaluated) {
        int expected = 0;
        for (var entry : trainable.entrySet()) {
            Shape shape = entry.getValue().getArray().getShape();
            List<String> names = new ArrayList<>(List.of(PARAMETER, "m/", "v/"));
            if (evaluated) {
                names.add(BEST);
            }
            for (String prefix : names) {
                requireTensor(tensors, prefix + entry.getKey(), shape);
                expected++;
            }
        }
        if (evaluated && !layerOnly) {
            requireTensor(tensors, BEST_PROMPT, getSoftPrompt().getPromptShape().toShape());
            expected++;
        }
        if (tensors.size() != expected) {
            throw new PromptFormatException("it holds " + tensors.size() + " tensors where this configuration has "
                    + expected);
        }
    }

    private static void requireTensor(NDList tensors, String name, Shape shape) {
        NDArray saved = tensors.get(name);
        if (saved == null || !saved.getShape().equals(shape)) {
            throw new PromptFormatException("tensor '" + name + "' of shape " + shape + " is "
                    + (saved == null ? "missing" : "of shape " + saved.getShape()));
        }
    }

    private static NDArray named(NDArray array, String name, NDManager owner) {
        array.attach(owner);
        array.setName(name);
        return array;
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
