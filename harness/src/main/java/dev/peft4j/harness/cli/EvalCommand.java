package dev.peft4j.harness.cli;

import dev.peft4j.harness.eval.EvaluationResult;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.task.Task;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.harness.train.ExportedClassifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j eval}: scores an exported prompt on a task split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate an exported prompt (folder written by train --export-dir or export) on a split.")
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", required = true, description = "The export folder.")
    Path prompt;

    @Option(names = "--split", defaultValue = "val", description = "Split to score (default: ${DEFAULT-VALUE}).")
    String split;

    @picocli.CommandLine.Mixin
    DeviceOptions where;

    @Option(names = "--batch-size", defaultValue = "32", description = "Examples per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Mixin
    CustomTaskOptions custom;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ExportFolder export = ExportFolder.read(prompt);
        if (custom.labels.isEmpty() && export.settings().labels() != null) {
            // the export's labels, in head order, not the training file's sorted values
            custom.labels = export.settings().labels();
        }
        Task task = custom.resolver(export.settings().task()).apply(export.settings().task());
        ExportedClassifier.checkFits(export, task);
        try (Session session = new Session(export.settings().backbone(), where);
                ExportedClassifier classifier = new ExportedClassifier(export, session.backbone, task)) {
            var examples = task.load(split, session.data.locate(task, split));
            EvaluationResult result = Evaluator.of(task, batchSize).evaluate(examples, classifier);
            out.printf("%s %s (%d examples): %s%n", task.getId(), split, examples.size(), result.metrics());
        }
        return 0;
    }
}
