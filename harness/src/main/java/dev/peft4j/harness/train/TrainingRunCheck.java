package dev.peft4j.harness.train;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.harness.experiment.RunCheck;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Task;
import dev.peft4j.plugins.PluginRegistry;
import java.util.Objects;
import java.util.function.Function;

/**
 * Checks what {@link PromptTrainer} would refuse only once a run starts: the training settings,
 * the prompt length against {@code max-length}, the method and its options (through the plugin's
 * own parser), the task and its splits, and a verbalizer or text-to-text head's template and label words. Needs no backbone and reads no data.
 */
public final class TrainingRunCheck implements RunCheck {

    /** Positions a sequence needs besides the prompt: {@code [CLS] a [SEP] b [SEP]} with one token per text. */
    static final int MIN_TEXT_POSITIONS = 5;

    private final PluginRegistry registry;
    private final Function<String, Task> tasks;

    /** A check against the methods of {@code registry} and the tasks {@code tasks} resolves. */
    public TrainingRunCheck(PluginRegistry registry, Function<String, Task> tasks) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tasks = Objects.requireNonNull(tasks, "tasks");
    }

    @Override
    public void check(RunSpec spec) {
        TrainingConfig config = TrainingConfig.fromMap(spec.shared());
        checkZeroShot(spec, config);
        checkTextPositions(spec, config);
        ReparameterizerPlugin plugin = registry.get(spec.methodId());
        plugin.parseOptions(spec.methodOptions());
        Task task = tasks.apply(spec.taskId());
        task.getSplit(config.trainSplit());
        task.getSplit(config.evalSplit());
        if (config.isVerbalizer()) {
            // template and label words against the task; that each word is one word piece needs the backbone
            VerbalizerTemplate.resolve(task, config);
        }
        if (config.isTextToText()) {
            TextToTextTemplate.resolve(task, config);
        }
    }

    /**
     * Refuses an input prompt that leaves the text fewer than {@value #MIN_TEXT_POSITIONS} of the
     * {@code max-length} positions. (Checked before the method is known to act inside the layers
     * only, so a grid refuses such a method's long prefix too; {@link TrainingRun} checks it exactly.)
     */
    static void checkTextPositions(RunSpec spec, TrainingConfig config) {
        if (config.maxLength() - spec.promptLength() < MIN_TEXT_POSITIONS) {
            throw new InvalidOptionException("Prompt length " + spec.promptLength() + " leaves "
                    + (config.maxLength() - spec.promptLength()) + " positions for the text within setting "
                    + "'max-length' " + config.maxLength() + "; a sequence needs at least " + MIN_TEXT_POSITIONS
                    + " ([CLS] a [SEP] b [SEP]). Raise 'max-length' or shorten the prompt.");
        }
    }

    /**
     * Refuses prompt length 0 with a linear head: a zero-shot run has nothing to train, and a
     * linear head is untrained noise. A verbalizer or a text-to-text head (T5) scores with frozen
     * weights, so its template alone is a meaningful zero-shot control.
     */
    static void checkZeroShot(RunSpec spec, TrainingConfig config) {
        if (spec.promptLength() == 0 && !config.isVerbalizer() && !config.isTextToText()) {
            throw new InvalidOptionException("Prompt length 0 is a zero-shot run: the verbalizer's template alone, "
                    + "nothing trained, so it needs --head verbalizer (or text-to-text on a T5). With a linear head, "
                    + "the head-only control is a prompt that cannot move: a prompt learning rate of at most 1e-5 "
                    + "(e.g. --lr 1e-6).");
        }
    }
}
