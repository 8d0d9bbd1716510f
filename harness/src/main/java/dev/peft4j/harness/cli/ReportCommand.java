package dev.peft4j.harness.cli;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.Suggestions;
import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.report.DivergedRun;
import dev.peft4j.harness.report.EpochCurves;
import dev.peft4j.harness.report.EpochSelection;
import dev.peft4j.harness.report.ReportPlots;
import dev.peft4j.harness.report.ResultSummary;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j report}: merges result folders (e.g. from several shards) into tables and plots. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Merge run results into Markdown/CSV/JSON tables (mean ± std over seeds of the best and of the"
                + " last epoch, and every run) and PNG and SVG plots.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--results", split = ",", defaultValue = "runs/compare",
            description = "Result folders to merge (default: ${DEFAULT-VALUE}).")
    List<Path> results;

    @Option(names = "--out", description = "Report folder (default: <first results folder>/report).")
    Path out;

    @Option(names = "--methods", split = ",", description = "Only these methods (default: all in the folders).")
    List<String> methods = List.of();

    @Option(names = "--tasks", split = ",", description = "Only these tasks (default: all in the folders).")
    List<String> tasks = List.of();

    @Option(names = "--seeds", split = ",", description = "Only these seeds (default: all in the folders).")
    List<Long> seeds = List.of();

    @Override
    public Integer call() {
        Path target = out != null ? out : results.get(0).resolve("report");
        List<RunResult> all = ResultsFolder.readAll(results);
        List<DivergedRun> diverged = ResultsFolder.readDiverged(results);
        requirePresent("method", methods, Stream.concat(all.stream().map(RunResult::methodId),
                diverged.stream().map(DivergedRun::methodId)).toList());
        requirePresent("task", tasks, Stream.concat(all.stream().map(RunResult::taskId),
                diverged.stream().map(DivergedRun::taskId)).toList());
        requirePresent("seed", seeds.stream().map(String::valueOf).toList(), Stream.concat(
                all.stream().map(RunResult::seed), diverged.stream().map(DivergedRun::seed)).map(String::valueOf).toList());
        writeReport(all.stream().filter(r -> selected(r.methodId(), r.taskId(), r.seed())).toList(),
                diverged.stream().filter(r -> selected(r.methodId(), r.taskId(), r.seed())).toList(),
                target, spec.commandLine().getOut());
        return 0;
    }

    private boolean selected(String method, String task, long seed) {
        return (methods.isEmpty() || methods.contains(method)) && (tasks.isEmpty() || tasks.contains(task))
                && (seeds.isEmpty() || seeds.contains(seed));
    }

    /** A filter value that no run has is a typo more often than an empty selection wanted. */
    private void requirePresent(String kind, List<String> wanted, List<String> present) {
        TreeSet<String> known = new TreeSet<>(present);
        for (String name : wanted) {
            if (!known.contains(name)) {
                String hint = Suggestions.closest(name, known).map(s -> " Did you mean '" + s + "'?").orElse("");
                throw new PeftException("No run in " + results + " has " + kind + " '" + name + "'." + hint
                        + " The folders hold " + kind + "s " + known + ".");
            }
        }
    }

    /** Writes tables and plots of the finished runs, with the diverged ones counted in the tables. */
    static void writeReport(List<RunResult> all, List<DivergedRun> diverged, Path folder, PrintWriter out) {
        if (all.isEmpty() && diverged.isEmpty()) {
            out.println("No finished runs to report.");
            out.flush();
            return;
        }
        ResultSummary best = ResultSummary.of(all, diverged, EpochSelection.BEST);
        ResultSummary last = ResultSummary.of(all, diverged, EpochSelection.LAST);
        best.write(folder);
        last.write(folder);
        RunTable.of(all, diverged).write(folder);
        EpochCurves.write(all, folder);
        List<Path> plots = ReportPlots.writeAll(all, folder);
        out.println();
        out.println("Best epoch (selected on the validation split, as the prompt-tuning papers report):");
        out.println(best.toMarkdown());
        out.println("Last epoch (no selection):");
        out.println(last.toMarkdown());
        out.println("Tables: " + folder.toAbsolutePath() + " (summary.*, summary-last-epoch.*, runs.md and runs.csv"
                + " run by run, curves.csv; each summary as .md, .csv, .json)");
        out.println("Plots:  " + plots.stream().map(p -> p.getFileName().toString()).toList() + " in "
                + folder.toAbsolutePath());
        out.flush();
    }
}
