package dev.peft4j.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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
    private final PromptClassifier classifier;
    private final BatchEncoder encoder;
    private final ParameterStore parameterStore;

    /**
     * @throws PeftException when the export was made for another task or backbone width
     */
    public ExportedClassifier(ExportFolder export, Backbone backbone, Task task) {
        if (!export.settings().task().equals(task.getId())) {
            throw new PeftException("The export was trained on task '" + export.settings().task()
                    + "', not '" + task.getId() + "'");
        }
        int units = BatchEncoder.headUnits(task);
        if (export.headBias().length != units) {
            throw new PeftException("The export's head has " + export.headBias().length + " outputs but task '"
                    + task.getId() + "' needs " + units);
        }
        this.manager = backbone.getManager().newSubManager();
        this.classifier = export.newClassifier(backbone.getEncoder(), manager);
        this.encoder = new BatchEncoder(backbone.getTokenizer(), task,
                export.settings().maxLength() - export.getPrompt().shape().length());
        this.parameterStore = new ParameterStore(manager, false);
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
