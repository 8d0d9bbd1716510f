package dev.peft4j.harness.cli;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PeftException;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.ExperimentRunner;
import dev.peft4j.harness.experiment.Grid;
import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.experiment.Shard;
import dev.peft4j.harness.report.DivergedRun;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.train.PromptTrainer;
import dev.peft4j.harness.train.TrainingRunCheck;
import dev.peft4j.plugins.PluginRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code peft4j compare}: trains a grid of methods × tasks × seeds × prompt lengths × learning
 * rates, one JSON result per run (finished runs are skipped when run again; checkpoints resume an
 * interrupted run), then writes and prints the report. With {@code --workers N} the runs train N at
 * a time in worker processes ({@link GridWorkers}), each run's result as in one process with as many
 * libtorch threads.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Train and compare methods over tasks, seeds, prompt lengths and learning rates; print the table.")
final class CompareCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--methods", split = ",", defaultValue = "residual-prompt,prompt-tuning",
            description = "Methods (plugin ids) (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--method-options", split = ";",
            description = "Option sets per method, e.g. 'residual-prompt:bottleneck=100;residual-prompt:bottleneck=400'.")
    List<String> methodOptions = new ArrayList<>();

    @Option(names = "--tasks", split = ",", defaultValue = "cb", description = "Tasks (default: ${DEFAULT-VALUE}).")
    List<String> tasks;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", description = "Seeds (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--prompt-lengths", split = ",", defaultValue = "10", description = "Prompt lengths (default: ${DEFAULT-VALUE}).")
    List<Integer> promptLengths;

    @Option(names = "--lrs", split = ",", defaultValue = "0.3", description = "Prompt learning rates (default: ${DEFAULT-VALUE}).")
    List<Double> learningRates;

    @Option(names = "--results", defaultValue = "runs/compare", description = "Results folder (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = "--shard", defaultValue = "1/1", description = "Run only shard i of n of the grid, e.g. 2/4 (default: ${DEFAULT-VALUE}).")
    String shard;

    @Option(names = "--workers", defaultValue = "1", description = "Runs trained at a time, each in a worker process "
            + "with max(1, cores/N) libtorch threads; 1 trains in this process (default: ${DEFAULT-VALUE}).")
    int workers;

    /** Set by a parent {@code compare --workers N} on the worker processes it starts: train, report nothing. */
    @Option(names = "--worker", hidden = true)
    @Nullable String worker;

    /** The process id of that parent: a worker ends when it ends. */
    @Option(names = "--worker-parent", hidden = true)
    long workerParent;

    @Mixin
    TrainingOptions training;

    @Mixin
    CustomTaskOptions custom;

    @Override
    public Integer call() {
        if (workers < 1) {
            throw new InvalidOptionException("--workers " + workers + " is not a number of processes: give 1 (the "
                    + "default) to train in this process, or 2 or more to train that many runs at a time in worker "
                    + "processes (this machine has " + Runtime.getRuntime().availableProcessors() + " cores).");
        }
        if (worker != null) {
            GridWorkers.endWithParent(workerParent);
        }
        PrintWriter out = spec.commandLine().getOut();
        Function<String, Task> resolver = custom.resolver(tasks.get(0));
        PluginRegistry registry = Plugins.registry();
        ExperimentRunner.checkGrid(buildGrid(Map.of()), new TrainingRunCheck(registry, resolver));
        DataLocator data = Session.dataLocator(training.where.data);
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (String task : tasks) {
            fingerprints.put(task, PromptTrainer.dataFingerprint(resolver.apply(task), training.toConfig(), data));
        }
        Grid grid = buildGrid(fingerprints);
        ResultsFolder folder = new ResultsFolder(results);
        List<RunSpec> pending = folder.pending(Shard.parse(shard).select(grid.expand()));
        refuseOtherConfigurations(folder, pending);
        if (worker != null) {
            // about this worker's share of the pending runs, for the time left its progress lines show
            int workerCount = Shard.parse(worker).count();
            train(grid, folder, resolver, registry, (pending.size() + workerCount - 1) / workerCount);
            return 0;
        }
        out.printf("Grid: %d runs, %d to do in shard %s; results in %s%n", grid.size(), pending.size(), shard, results);
        out.flush();
        int processes = Math.min(workers, pending.size());
        if (processes > 1) {
            GridWorkers children = new GridWorkers(spec.root().commandLine().getParseResult().originalArgs(),
                    processes, GridWorkers.Threads.of(Runtime.getRuntime().availableProcessors(), processes,
                            System.getProperty(GridWorkers.THREADS_PROPERTY)),
                    Peft4jCommand.isVerbose(spec.root().commandLine().getParseResult()), out, spec.commandLine().getErr());
            out.println(children.describe());
            out.flush();
            children.run();
            int left = folder.pending(pending).size();
            if (left > 0) {
                out.printf("%d run(s) of the shard are not finished: another process outside this command holds "
                        + "them; run the command again to pick up any that fail there.%n", left);
            }
        } else if (!pending.isEmpty()) {
            train(grid, folder, resolver, registry, pending.size());
        }
        List<DivergedRun> diverged = folder.readDiverged();
        if (!diverged.isEmpty()) {
            out.printf("%d run(s) of this folder diverged (loss NaN or infinite); they have no score and are counted"
                    + " in the report. Records: %s%n", diverged.size(), results.resolve(ResultsFolder.DIVERGED));
        }
        ReportCommand.writeReport(folder.readAll(), diverged, results.resolve("report"), out);
        return 0;
    }

    /** Trains the pending runs of the shard in this process, claiming each through its run lock. */
    private void train(Grid grid, ResultsFolder folder, Function<String, Task> resolver, PluginRegistry registry,
            int runs) {
        PrintWriter out = spec.commandLine().getOut();
        try (Session session = new Session(registry, training.backbone, training.where);
                Progress progress = Progress.forCommand(out, training.noProgress, runs)) {
            new ExperimentRunner(folder).run(grid, Shard.parse(shard),
                    session.trainer(results.resolve("checkpoints"), progress, resolver));
        }
    }

    /**
     * Fails before any training when the folder holds a run of a pending run's method, settings,
     * task and seed but of another configuration (other data, other epochs, ...): the report could
     * not tell them apart, and a folder of mixed data would be averaged as one.
     */
    private static void refuseOtherConfigurations(ResultsFolder folder, List<RunSpec> pending) {
        if (pending.isEmpty() || !Files.isDirectory(folder.getFolder())) {
            return;
        }
        List<RunResult> existing;
        try {
            existing = folder.readAll();
        } catch (PeftException e) {
            // a broken result file: its run is repeated and the file replaced; the report checks again after
            return;
        }
        Map<List<Object>, RunResult> finished = new HashMap<>();
        for (RunResult result : existing) {
            finished.put(List.of(result.methodId(), result.settings(), result.taskId(), result.seed()), result);
        }
        for (RunSpec run : pending) {
            RunResult other = finished.get(List.of(run.methodId(), run.getSettings(), run.taskId(), run.seed()));
            if (other != null) {
                throw new PeftException("Results folder " + folder.getFolder() + " holds run " + other.runId()
                        + " of the same method, settings, task and seed as " + run.getRunId() + " but it differs in "
                        + RunResult.configDifferences(other.config(), run.getConfig()) + " ('data' is the data's "
                        + "fingerprint; a result without one predates fingerprints). Use a new results folder for "
                        + "this configuration, or move that result away to train it again.");
            }
        }
    }

    private Grid buildGrid(Map<String, String> dataFingerprints) {
        Map<String, List<Map<String, String>>> optionSets = MethodOptions.parseSets(methodOptions);
        Grid.Builder builder = Grid.builder();
        for (String method : methods) {
            List<Map<String, String>> sets = optionSets.get(method);
            if (sets == null) {
                builder.addMethod(method);
            } else {
                builder.addMethod(method, sets);
            }
        }
        return builder.setTasks(tasks).setSeeds(seeds).setPromptLengths(promptLengths)
                .setLearningRates(learningRates).optShared(training.toShared())
                .optDataFingerprints(dataFingerprints).build();
    }
}
