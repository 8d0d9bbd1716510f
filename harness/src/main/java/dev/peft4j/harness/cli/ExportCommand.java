package dev.peft4j.harness.cli;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import dev.peft4j.harness.train.TrainedRun;
import dev.peft4j.harness.train.TrainingConfig;
import dev.peft4j.harness.train.TrainingListener;
import dev.peft4j.inference.ExportFolder;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j export}: writes the best epoch of a finished run (from its results folder and
 * checkpoint) as an export folder: the PEFT prompt adapter with {@code P'} only, the head and
 * peft4j's settings.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Export the best epoch of a trained run (train or compare results) as a prompt adapter "
                + "folder (PEFT adapter_config.json + adapter_model.safetensors with P', head, settings).")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--results", defaultValue = "runs/compare",
            description = "Results folder the run was trained into (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--run", required = true, description = "The run id (the name of its JSON file without .json).")
    String runId;

    @Option(names = "--out", required = true, description = "The export folder to write.")
    Path out;

    @Mixin
    DeviceOptions where;

    @Mixin
    CustomTaskOptions custom;

    @Override
    public Integer call() {
        PrintWriter writer = spec.commandLine().getOut();
        Path file = new ResultsFolder(results).fileFor(runId);
        if (!Files.isRegularFile(file)) {
            throw new PeftException("No result " + file + ". List the run ids with: ls " + results);
        }
        RunResult result = RunResultJson.read(file);
        RunSpec run = RunSpec.fromConfig(result.config());
        TrainingConfig config = TrainingConfig.fromMap(run.shared());
        try (Session session = new Session(config.backbone(), where)) {
            TrainedRun best = session.trainer(results.resolve("checkpoints"), new TrainingListener() {},
                    custom.resolver(result.taskId())).restoreBest(result);
            // a result written before options were recorded: today's defaults are the best guess
            Map<String, String> options = result.methodOptions().isEmpty()
                    ? session.registry.get(run.methodId()).parseOptions(run.methodOptions()).asStringMap()
                    : result.methodOptions();
            ExportFolder export = best.toExport(session.backbone, config.maxLength(), options);
            export.write(out);
            writer.printf("%s: %s of %s for task %s (%s %.4f at epoch %d), written to %s%n", result.methodId(),
                    export.describeAdapter(), config.backbone(), result.taskId(), result.metric(),
                    result.bestMetric(), result.bestEpoch(), out);
        }
        return 0;
    }
}
