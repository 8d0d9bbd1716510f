package dev.peft4j.inference;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.internal.SafetensorsHeader;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.LowRankMerge;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.backbones.TextToTextClassifier;
import dev.peft4j.backbones.Verbalizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Serves predictions from an export folder (written by {@code peft4j train --export-dir} or
 * {@link ExportFolder#write}): the frozen backbone with the exported prompt {@code P'} as a fixed
 * input ({@code [CLS] P' text [SEP]}, or {@code P' [CLS] text [SEP]} for an export trained with
 * Hugging Face PEFT's placement, see {@link #getPlacement()}; no Φ, so inference costs what plain
 * prompt tuning costs) and the trained linear head on the output at position 0.
 *
 * <pre>{@code
 * try (Predictor predictor = Predictor.open(Path.of("exports/cb"))) {
 *     Prediction p = predictor.predict("It is raining.", "The street is wet.");
 *     System.out.println(p.label() + " " + p.score());
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One predictor serves any number of threads at once: the model is loaded once
 * and each call works in its own sub-manager and {@link NDScope}, so nothing it creates outlives it.
 * {@link #close()} waits for calls in flight; later calls fail with a {@link PeftException}
 * ("predictor is closed"), never with a native crash.
 *
 * <p><b>Inputs.</b> Each text is tokenized as {@code [CLS] text [SEP]} (pairs as
 * {@code [CLS] a [SEP] b [SEP]}) and truncated so that tokens plus prompt fit the export's
 * {@code maxLength} (pairs lose tokens from the longer text first), exactly as in training and
 * {@code peft4j eval}. Empty or blank texts are refused. Batches of more than
 * {@link #getBatchSize()} texts are split into several forward passes.
 *
 * <p><b>T5.</b> An export of a T5's text-to-text head fills its template with the texts, prepends
 * {@code P'} to the encoder input and scores each label text by its log-likelihood under the
 * frozen decoder; a prediction's probabilities are the softmax of these log-likelihoods over the
 * label texts. {@link #generate} decodes greedily instead, for free-text answers.
 *
 * <p><b>Prefix and LoRA.</b> The export of a method that acts inside the layers inserts nothing
 * at the input (the text keeps every position). A prefix ({@code PREFIX_TUNING}) is a fixed
 * key/value prefix in every attention layer. LoRA factors are merged into the encoder's weights
 * ({@code W + s·B A}, as fast as the bare encoder) when the predictor loaded its own backbone, and
 * taken out again on {@link #close()}; on a backbone passed to {@link #open(Path, Backbone)}, which
 * other predictors may share, they are applied unmerged on every forward pass instead, so the
 * shared weights never change.
 *
 * <p><b>Classifiers only.</b> A multiple-choice export (COPA, ReCoRD: a head with one output that
 * scores each choice) has no labels to predict; {@link #open(Path)} refuses it with a message.
 */
public final class Predictor implements AutoCloseable {

    /** Texts per forward pass in {@link #predictAll} and {@link #predictPairs}. */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final Path folder;
    private final ExportFolder.Settings settings;
    private final List<String> labels;
    private final Backbone backbone;
    private final boolean ownsBackbone;
    private final NDManager manager;
    /** A {@link PromptClassifier}, or for a T5 export the {@link TextToTextClassifier}. */
    private final AbstractBlock classifier;
    private final int promptLength;
    private final ParameterStore parameterStore;
    private final int maxTokens;
    private final UseGuard guard;
    /** The verbalizer of an export with one, which fills the export's template; null for other heads. */
    private final @Nullable Verbalizer verbalizer;
    /** The T5 scoring label texts of a text-to-text export, which fills the export's template; else null. */
    private final @Nullable TextToTextClassifier textToText;
    /** A LoRA export's update merged into the owned backbone's weights, undone on close; else null. */
    private final @Nullable LowRankMerge merge;

    private Predictor(Path folder, ExportFolder export, Backbone backbone, boolean ownsBackbone) {
        this.folder = folder;
        this.settings = export.settings();
        this.labels = List.copyOf(settings.labels());
        this.backbone = backbone;
        this.ownsBackbone = ownsBackbone;
        this.maxTokens = export.maxTextTokens(backbone.getPromptableEncoder().getMaxPositions());
        this.guard = new UseGuard("This predictor is closed (export " + folder + "); open a new one with "
                + "Predictor.open(...) to predict again.");
        this.manager = backbone.getManager().newSubManager();
        this.promptLength = export.inputPromptLength();
        LowRankMerge merged = null;
        try {
            this.parameterStore = new ParameterStore(manager, false);
            if (settings.isTextToText()) {
                this.textToText = export.newTextToText(backbone, manager);
                this.verbalizer = null;
                this.classifier = textToText;
            } else {
                // merging changes the backbone's weights: only into a backbone no one else uses
                boolean mergeLowRank = ownsBackbone && export.isLowRank();
                PromptClassifier prompted = export.newClassifier(backbone, manager, !mergeLowRank);
                if (mergeLowRank) {
                    merged = backbone.getEncoder().mergeLowRank(export.newLowRankUpdate(manager), parameterStore);
                }
                this.textToText = null;
                this.verbalizer = prompted.getVerbalizer();
                this.classifier = prompted;
            }
            this.merge = merged;
        } catch (RuntimeException e) {
            if (merged != null) {
                merged.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Opens an export folder and loads the backbone it names on the engine's default device (a GPU
     * when one is visible). The predictor owns that backbone and closes it.
     *
     * @throws PromptFormatException when the folder or one of its files is missing or corrupt
     * @throws dev.peft4j.api.ShapeMismatchException when the prompt or head does not fit the backbone
     * @throws PeftException for a multiple-choice export or settings that do not fit together
     */
    public static Predictor open(Path exportFolder) {
        ExportFolder export = read(exportFolder);
        return openOwning(exportFolder, export, Backbones.load(export.settings().backbone()));
    }

    /**
     * Opens an export folder and loads the backbone it names on {@code device}. The predictor owns
     * that backbone and closes it.
     *
     * @throws PeftException as {@link #open(Path)} does
     */
    public static Predictor open(Path exportFolder, Device device) {
        Objects.requireNonNull(device, "device");
        ExportFolder export = read(exportFolder);
        return openOwning(exportFolder, export, Backbones.load(export.settings().backbone(), device));
    }

    /**
     * Opens an export folder on an already loaded backbone, so several predictors share one copy of
     * its weights. The backbone must be the one the export was trained on (same name, or for a
     * folder the same folder name); {@link #close()} leaves it open. Close the predictors before the
     * backbone.
     *
     * @throws PeftException as {@link #open(Path)} does, and when the backbone is another model
     */
    public static Predictor open(Path exportFolder, Backbone backbone) {
        Objects.requireNonNull(backbone, "backbone");
        ExportFolder export = read(exportFolder);
        checkBackboneName(exportFolder, export.settings().backbone(), backbone);
        check(exportFolder, export, backbone);
        return new Predictor(exportFolder, export, backbone, false);
    }

    private static Predictor openOwning(Path folder, ExportFolder export, Backbone backbone) {
        try {
            check(folder, export, backbone);
            return new Predictor(folder, export, backbone, true);
        } catch (RuntimeException e) {
            backbone.close();
            throw e;
        }
    }

    /** The key PEFT saves a {@code SEQ_CLS} adapter's BERT classifier weight under. */
    static final String PEFT_CLASSIFIER_WEIGHT = "base_model.classifier.weight";

    /** Reads the export with messages that tell a bare PEFT adapter from a broken export. */
    static ExportFolder read(Path folder) {
        Objects.requireNonNull(folder, "exportFolder");
        if (!Files.isDirectory(folder)) {
            throw new PromptFormatException("Export folder " + folder.toAbsolutePath() + " does not exist or is "
                    + "not a folder. Pass the folder written by 'peft4j train --export-dir' (it holds "
                    + PromptAdapterFiles.CONFIG_FILE + ", " + PromptAdapterFiles.WEIGHTS_FILE + ", "
                    + ExportFolder.HEAD_FILE + " and " + ExportFolder.SETTINGS_FILE + ").");
        }
        boolean hasAdapter = Files.exists(folder.resolve(PromptAdapterFiles.CONFIG_FILE));
        for (String name : List.of(ExportFolder.HEAD_FILE, ExportFolder.SETTINGS_FILE)) {
            // a verbalizer export has no head file: the backbone's MLM head scores
            boolean needed = !name.equals(ExportFolder.HEAD_FILE) || !ExportFolder.namesFrozenHead(folder);
            if (hasAdapter && needed && !Files.exists(folder.resolve(name))) {
                throw new PromptFormatException(folder + " has no " + name + ", so it is a bare prompt adapter "
                        + "(as Hugging Face PEFT saves one), not a peft4j export with a task head. Use "
                        + "PromptedEncoder.open(folder, backbone) for prompted embeddings, or export a trained "
                        + "classifier with 'peft4j train --export-dir'." + peftClassifierNote(folder));
            }
        }
        ExportFolder export = ExportFolder.read(folder);
        checkSettings(folder, export.settings());
        return export;
    }

    /**
     * Why a PEFT {@code SEQ_CLS} adapter's classifier ({@code base_model.classifier.weight} as
     * PEFT's {@code get_peft_model_state_dict} saves a {@code modules_to_save} module) is not used
     * as the head; empty for other folders.
     */
    private static String peftClassifierNote(Path folder) {
        Path weights = folder.resolve(PromptAdapterFiles.WEIGHTS_FILE);
        try {
            if (!Files.isRegularFile(weights) || !SafetensorsHeader.check(weights, "").tensors()
                    .containsKey(PEFT_CLASSIFIER_WEIGHT)) {
                return "";
            }
        } catch (RuntimeException e) {
            return "";
        }
        return " Its " + PromptAdapterFiles.WEIGHTS_FILE + " holds a SEQ_CLS classifier ('" + PEFT_CLASSIFIER_WEIGHT
                + "'), which peft4j does not use as a head: transformers' BertForSequenceClassification applies it "
                + "to BERT's pooler output (dense and tanh) at position 0, where PEFT puts the prompt, while peft4j's "
                + "head reads the [CLS] state directly, with the prompt after [CLS]; its probabilities would be wrong. "
                + "Put your own head on PromptedEncoder's embeddings (PromptPlacement.BEFORE_INPUT, its default for a "
                + "folder without " + ExportFolder.SETTINGS_FILE + "), or train a peft4j head with PEFT's placement: "
                + "peft4j train --prompt-placement before-input.";
    }

    private static void checkSettings(Path folder, ExportFolder.Settings settings) {
        Path file = folder.resolve(ExportFolder.SETTINGS_FILE);
        if (settings == null || settings.labels() == null || settings.labels().isEmpty()
                || settings.labels().stream().anyMatch(Objects::isNull)) {
            throw new PromptFormatException(file + " has no 'labels' (the label names in head order). "
                    + "Re-export the prompt; do not edit this file by hand.");
        }
        if (settings.backbone() == null || settings.backbone().isBlank()) {
            throw new PromptFormatException(file + " has no 'backbone' (the model the prompt was trained on). "
                    + "Re-export the prompt; do not edit this file by hand.");
        }
        if (settings.maxLength() <= 0) {
            throw new PromptFormatException(file + " has no positive 'maxLength' (got " + settings.maxLength()
                    + "). Re-export the prompt; do not edit this file by hand.");
        }
    }

    static void check(Path folder, ExportFolder export, Backbone backbone) {
        var settings = export.settings();
        int units = export.headBias().length;
        if (units == 1) {
            throw new PeftException("The export in " + folder + " (task '" + settings.task() + "') scores choices: "
                    + "its head has 1 output that rates each choice of a multiple-choice example, so it has no "
                    + "labels to predict. Predictor serves classifiers (a head with one output per label); "
                    + "evaluate multiple-choice exports with 'peft4j eval'.");
        }
        // ExportFolder.read has checked the head's shape against the labels and the prompt width
        int promptLength = export.inputPromptLength();
        // a pair needs [CLS] a [SEP] b [SEP]; a single text at least [CLS] x [SEP]
        if (export.layerAdapter() != null) {
            Compatibility.check(export.layerAdapter(), backbone, folder);
        } else {
            Compatibility.check(Objects.requireNonNull(export.adapter()).config(), backbone, folder, 3);
        }
        int positions = backbone.getPromptableEncoder().getMaxPositions();
        if (settings.maxLength() > positions || settings.maxLength() - promptLength < 3
                || export.maxTextTokens(positions) < 3) {
            throw new PeftException("The export in " + folder + " asks for maxLength " + settings.maxLength()
                    + " with a prompt of " + promptLength + " vectors, but the backbone '" + backbone.getName()
                    + "' takes at most " + positions + " positions and at least 3 text tokens must fit beside "
                    + "the prompt. Re-export with a maxLength in [" + (promptLength + 3) + ", " + positions + "].");
        }
    }

    static void checkBackboneName(Path folder, String expected, Backbone backbone) {
        String actual = backbone.getName();
        if (expected.trim().equalsIgnoreCase(actual) || lastSegment(expected).equals(lastSegment(actual))) {
            return;
        }
        throw new PeftException("The export in " + folder + " was trained on the backbone '" + expected
                + "' but the predictor was given '" + actual + "'. A prompt only works with the model it was "
                + "trained on: pass Backbones.load(\"" + expected + "\"), or use Predictor.open(folder).");
    }

    /** A folder's last name, so a model folder copied elsewhere still matches. */
    private static String lastSegment(String nameOrFolder) {
        String trimmed = nameOrFolder.replaceAll("[/\\\\]+$", "");
        int slash = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
        return trimmed.substring(slash + 1);
    }

    /** The label names, in head order; every {@link Prediction}'s probabilities follow it. */
    public List<String> getLabels() {
        return labels;
    }

    /** The export's settings (task, labels, backbone, max length, method, run). */
    public ExportFolder.Settings getSettings() {
        return settings;
    }

    /** The folder the predictor was opened from. */
    public Path getExportFolder() {
        return folder;
    }

    /** The backbone, owned by this predictor unless it was passed to {@link #open(Path, Backbone)}. */
    public Backbone getBackbone() {
        return backbone;
    }

    /** The number of prompt vectors in each input. */
    public int getPromptLength() {
        return promptLength;
    }

    /**
     * Where the prompt goes, as the export records it: after {@code [CLS]} (the head reads
     * {@code [CLS]}) or before the input as Hugging Face PEFT places it (the head reads position 0,
     * the first prompt vector). A T5 export's prompt always goes before the encoder input, as
     * PEFT's {@code SEQ_2_SEQ_LM} places it: {@link PromptPlacement#BEFORE_INPUT}.
     */
    public PromptPlacement getPlacement() {
        return classifier instanceof PromptClassifier encoderClassifier ? encoderClassifier.getPlacement()
                : PromptPlacement.BEFORE_INPUT;
    }

    /** The most tokens of text ({@code [CLS]} and {@code [SEP]} included) kept per input: maxLength minus the prompt. */
    public int getMaxTokens() {
        return maxTokens;
    }

    /** Texts per forward pass of the batch methods. */
    public int getBatchSize() {
        return DEFAULT_BATCH_SIZE;
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Classifies one text.
     *
     * @throws PeftException for an empty or blank text, or when the predictor is closed
     */
    public Prediction predict(String text) {
        return predictAll(List.of(checkText(text, "text"))).get(0);
    }

    /**
     * Classifies one text pair (premise and hypothesis, question and passage, ...), encoded as
     * {@code [CLS] textA [SEP] textB [SEP]}.
     *
     * @throws PeftException for an empty or blank text, or when the predictor is closed
     */
    public Prediction predict(String textA, String textB) {
        return predictPairs(List.of(checkText(textA, "textA")), List.of(checkText(textB, "textB"))).get(0);
    }

    /**
     * Classifies texts in batches of {@link #getBatchSize()}; the results are in input order. An
     * empty list gives an empty list.
     *
     * @throws PeftException when a text is empty or blank (naming its index), or when the predictor is closed
     */
    public List<Prediction> predictAll(List<String> texts) {
        checkTexts(texts, "texts");
        if (verbalizer != null || textToText != null) {
            return run(texts.size(), (from, to) -> encodeTemplate(texts.subList(from, to), null));
        }
        return run(texts.size(), (from, to) -> backbone.getTokenizer().encode(texts.subList(from, to), maxTokens));
    }

    /**
     * Classifies text pairs, {@code first.get(i)} with {@code second.get(i)}, in batches of
     * {@link #getBatchSize()}; the results are in input order.
     *
     * @throws PeftException when the lists differ in size, a text is empty or blank, or the predictor is closed
     */
    public List<Prediction> predictPairs(List<String> first, List<String> second) {
        checkTexts(first, "first");
        checkTexts(second, "second");
        if (first.size() != second.size()) {
            throw new PeftException("predictPairs: " + first.size() + " first texts but " + second.size()
                    + " second texts; pass one second text per first text.");
        }
        if (maxTokens < 5) {
            throw new PeftException("The export in " + folder + " keeps only " + maxTokens + " tokens per input "
                    + "beside its prompt, fewer than the 5 a text pair needs ([CLS] a [SEP] b [SEP]).");
        }
        if (verbalizer != null || textToText != null) {
            return run(first.size(), (from, to) -> encodeTemplate(first.subList(from, to), second.subList(from, to)));
        }
        return run(first.size(), (from, to) -> backbone.getTokenizer().encodePairs(
                first.subList(from, to), second.subList(from, to), maxTokens));
    }

    /** The export's template filled with each text (pair): for a verbalizer one sequence with one [MASK] each. */
    private EncodedBatch encodeTemplate(List<String> first, @Nullable List<String> second) {
        String template = Objects.requireNonNull(settings.template());
        List<String> filled = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            filled.add(Verbalizer.fill(template, first.get(i), second == null ? null : second.get(i)));
        }
        EncodedBatch batch = backbone.getTokenizer().encode(filled, maxTokens);
        if (verbalizer != null) {
            verbalizer.checkMasks(batch);
        }
        return batch;
    }

    /**
     * The text a T5 export's frozen model generates greedily for {@code text} (its template
     * filled with it, the prompt before it), at most {@code maxNewTokens} tokens, for answers that
     * are not one of the label texts.
     *
     * @throws PeftException for an export that is not text-to-text, a blank text, or a closed predictor
     */
    public String generate(String text, int maxNewTokens) {
        return generateText(checkText(text, "text"), null, maxNewTokens);
    }

    /**
     * As {@link #generate(String, int)} for a text pair.
     *
     * @throws PeftException as {@link #generate(String, int)} does
     */
    public String generate(String textA, String textB, int maxNewTokens) {
        return generateText(checkText(textA, "textA"), checkText(textB, "textB"), maxNewTokens);
    }

    private String generateText(String first, @Nullable String second, int maxNewTokens) {
        TextToTextClassifier model = textToText;
        if (model == null) {
            throw new PeftException("The export in " + folder + " has a " + settings.headKind() + " head; only a T5's "
                    + "text-to-text export generates text. Use predict(...) for its labels.");
        }
        if (maxNewTokens < 1) {
            throw new PeftException("generate: maxNewTokens must be at least 1, got " + maxNewTokens);
        }
        return guard.use(() -> {
            EncodedBatch batch = encodeTemplate(List.of(first), second == null ? null : List.of(second));
            try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
                NDList inputs = batch.toNDList(step);
                long[] ids = model.generate(parameterStore, inputs.get(0), inputs.get(1), maxNewTokens).get(0);
                return backbone.getTokenizer().decode(ids);
            }
        });
    }

    private List<Prediction> run(int count, Batches.Encoder tokenize) {
        if (count == 0) {
            return List.of();
        }
        return guard.use(() -> {
            if (!backbone.getManager().isOpen()) {
                throw new PeftException("The backbone '" + backbone.getName() + "' of the predictor for " + folder
                        + " was closed while the predictor is open. Close predictors before their shared backbone.");
            }
            return Batches.run(count, DEFAULT_BATCH_SIZE, tokenize, this::forward,
                    (logits, row) -> Prediction.fromLogits(labels, logits, row * labels.size()));
        });
    }

    /** Head outputs of one batch, row-major {@code (B, labels)}, copied to the host once. */
    private float[] forward(EncodedBatch batch) {
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray logits = classifier.forward(parameterStore, batch.toNDList(step), false).singletonOrThrow();
            return logits.toFloatArray();
        }
    }

    private static String checkText(String text, String what) {
        if (text == null || text.isBlank()) {
            throw new PeftException("Predictor: " + what + " is empty or blank; pass the text to classify.");
        }
        return text;
    }

    private static void checkTexts(List<String> texts, String what) {
        Objects.requireNonNull(texts, what);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null || text.isBlank()) {
                throw new PeftException("Predictor: text " + i + " of " + what + " is empty or blank; every input "
                        + "needs text (drop or fill it before predicting).");
            }
        }
    }

    /**
     * Waits for predictions in flight, then frees the prompt and head and, when the predictor loaded
     * it, the backbone. Later calls fail with a {@link PeftException}. Calling it again does nothing.
     */
    @Override
    public void close() {
        guard.close(() -> {
            if (merge != null) {
                merge.close(); // the weights as they were, before the update's arrays go with the manager
            }
            manager.close();
            if (ownsBackbone) {
                backbone.close();
            }
        });
    }

    @Override
    public String toString() {
        return "Predictor(" + folder + ", task " + settings.task() + ", labels " + labels + ", " + backbone + ")";
    }
}
