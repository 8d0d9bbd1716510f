package dev.peft4j.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.PromptClassifier;
import dev.peft4j.harness.eval.Scorer;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.inference.ExportFolder;
import java.util.List;

/**
 * An exported prompt and head on the frozen backbone, scoring a task's examples: the inference
 * side of training, at plain prompt-tuning cost (no Φ). Used by {@code peft4j eval}.
 */
public final class ExportedClassifier implements Scorer, AutoCloseable {

    private final NDManager manager;
    /** A {@link PromptClassifier}, or for a T5 export a {@link dev.peft4j.backbones.TextToTextClassifier}. */
    private final AbstractBlock classifier;
    private final BatchEncoder encoder;
    private final ParameterStore parameterStore;

    /**
     * @throws PeftException when the export was made for another task, labels or backbone width
     */
    public ExportedClassifier(ExportFolder export, Backbone backbone, Task task) {
        checkFits(export, task);
        this.manager = backbone.getManager().newSubManager();
        var settings = export.settings();
        // a prefix or LoRA export inserts nothing at the input
        int maxTokens = export.maxTextTokens(backbone.getPromptableEncoder().getMaxPositions());
        if (settings.isTextToText()) {
            this.classifier = export.newTextToText(backbone, manager);
            this.encoder = new BatchEncoder(backbone.getTokenizer(), task, maxTokens, new TextToTextTemplate(
                    java.util.Objects.requireNonNull(settings.template()),
                    java.util.Objects.requireNonNull(settings.labelWords())));
        } else {
            PromptClassifier prompted = export.newClassifier(backbone, manager);
            var verbalizer = prompted.getVerbalizer();
            this.classifier = prompted;
            this.encoder = new BatchEncoder(backbone.getTokenizer(), task, maxTokens,
                    verbalizer == null ? null : new VerbalizerTemplate(java.util.Objects.requireNonNull(
                            settings.template()), java.util.Objects.requireNonNull(settings.labelWords())),
                    verbalizer);
        }
        this.parameterStore = new ParameterStore(manager, false);
    }

    /**
     * Checks, before any model is loaded, that {@code export} scores {@code task}: the same task id,
     * a head of the size the task needs, and the export's labels in the export's order. The
     * export's labels are authoritative: head output {@code i} means its {@code i}-th label, so
     * scoring with labels in another order would silently permute the classes.
     *
     * @throws PeftException naming both label lists when they differ
     */
    public static void checkFits(ExportFolder export, Task task) {
        if (!export.settings().task().equals(task.getId())) {
            throw new PeftException("The export was trained on task '" + export.settings().task()
                    + "', not '" + task.getId() + "'");
        }
        List<String> labels = export.settings().labels();
        if (labels != null && !labels.equals(task.getLabels())) {
            throw new PeftException("The export was trained with the labels " + labels + " (in head order) but task '"
                    + task.getId() + "' has the labels " + task.getLabels() + ". Each head output means the export's "
                    + "label at its position, so other labels or another order would score the wrong classes. Give "
                    + "the export's labels in its order (on the command line: --labels " + String.join(",", labels)
                    + ", or no --labels).");
        }
        int units = BatchEncoder.headUnits(task);
        if (export.settings().hasFrozenHead()) {
            if (BatchEncoder.scoresEachInput(task)) {
                throw new PeftException("The export scores label " + (export.settings().isTextToText() ? "texts" : "words")
                        + " with a " + export.settings().headKind() + " head, but task '" + task.getId()
                        + "' scores choices; that head serves classification tasks");
            }
        } else if (export.headBias().length != units) {
            throw new PeftException("The export's head has " + export.headBias().length + " outputs but task '"
                    + task.getId() + "' needs " + units);
        }
    }

    @Override
    public float[][] score(List<Example> batch) {
        var encoded = encoder.encode(batch);
        try (NDManager step = manager.newSubManager(); NDScope scope = new NDScope()) {
            NDArray outputs = classifier.forward(parameterStore, encoded.toNDList(step), false).singletonOrThrow();
            return encoder.scores(outputs, batch);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
