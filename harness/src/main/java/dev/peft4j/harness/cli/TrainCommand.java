package dev.peft4j.harness.cli;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.train.PromptTrainer;
import dev.peft4j.harness.train.TrainedRun;
import dev.peft4j.harness.train.TrainingConfig;
import dev.peft4j.harness.train.TrainingRunCheck;
import dev.peft4j.harness.train.VerbalizerTemplate;
import dev.peft4j.plugins.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j train}: one run of one method on one task; optionally exports the best prompt. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a soft prompt and head on a task (backbone frozen) and report validation metrics.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, description = "Task id: boolq, cb, copa, multirc, record, rte, wic, wsc, or a name for your own data (--train-file).")
    String task;

    @Mixin
    MethodOptions methodOptions;

    @Option(names = "--lr", defaultValue = "0.3", description = "Learning rate of the prompt and Φ (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--results", defaultValue = "runs/train", description = "Results folder (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--export-dir", description = "Write the best epoch's prompt, head and settings here.")
    @Nullable Path exportDir;

    @Mixin
    TrainingOptions training;

    @Mixin
    CustomTaskOptions custom;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Function<String, Task> tasks = custom.resolver(task);
        RunSpec unfingerprinted = new RunSpec(methodOptions.method, task, seed, methodOptions.promptLength,
                learningRate, methodOptions.options, training.toShared());
        PluginRegistry registry = Plugins.registry();
        new TrainingRunCheck(registry, tasks).check(unfingerprinted);
        if (exportDir != null) {
            checkExportable(tasks.apply(task), training.toConfig());
        }
        RunSpec run = unfingerprinted.withDataFingerprint(PromptTrainer.dataFingerprint(tasks.apply(task),
                training.toConfig(), Session.dataLocator(training.where.data)));
        try (Session session = new Session(registry, training.backbone, training.where);
                Progress listener = Progress.forCommand(out, training.noProgress, 1)) {
            TrainedRun trained = session.trainer(results.resolve("checkpoints"), listener, tasks).train(run);
            Path file = new ResultsFolder(results).save(trained.result());
            out.printf("best %s %.4f at epoch %d; %d trainable parameters; result %s%n", trained.result().metric(),
                    trained.result().bestMetric(), trained.result().bestEpoch(),
                    trained.result().trainableParameters(), file);
            if (exportDir != null) {
                trained.toExport(session.backbone, training.maxLength).write(exportDir);
                out.println("exported to " + exportDir);
            }
        }
        return 0;
    }

    /** Refuses, before training, a run whose result could not be exported to {@code --export-dir}. */
    private void checkExportable(Task resolved, TrainingConfig config) {
        if (methodOptions.promptLength == 0) {
            throw new InvalidOptionException("--export-dir: a zero-shot run (prompt length 0) has no prompt to "
                    + "export. Leave out --export-dir; the result JSON holds its scores.");
        }
        if (config.isVerbalizer()) {
            VerbalizerTemplate.resolve(resolved, config).checkExportable();
        }
    }
}
