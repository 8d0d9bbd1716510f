package dev.peft4j.harness.cli;

import dev.peft4j.harness.experiment.ResultsFolder;
import dev.peft4j.harness.report.ReportPlots;
import dev.peft4j.harness.report.ResultSummary;
import dev.peft4j.harness.report.RunResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j report}: merges result folders (e.g. from several shards) into tables and plots. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Merge run results into Markdown/CSV/JSON tables (mean ± std over seeds) and PNG plots.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--results", split = ",", defaultValue = "runs/compare",
            description = "Result folders to merge (default: ${DEFAULT-VALUE}).")
    List<Path> results;

    @Option(names = "--out", description = "Report folder (default: <first results folder>/report).")
    Path out;

    @Override
    public Integer call() {
        Path target = out != null ? out : results.get(0).resolve("report");
        writeReport(ResultsFolder.readAll(results), target, spec.commandLine().getOut());
        return 0;
    }

    static void writeReport(List<RunResult> all, Path folder, PrintWriter out) {
        if (all.isEmpty()) {
            out.println("No finished runs to report.");
            out.flush();
            return;
        }
        ResultSummary summary = ResultSummary.of(all);
        summary.write(folder);
        List<Path> plots = ReportPlots.writeAll(all, folder);
        out.println();
        out.println(summary.toMarkdown());
        out.println("Tables: " + folder.toAbsolutePath() + " (summary.md, summary.csv, summary.json)");
        out.println("Plots:  " + plots.stream().map(p -> p.getFileName().toString()).toList() + " in "
                + folder.toAbsolutePath());
        out.flush();
    }
}
