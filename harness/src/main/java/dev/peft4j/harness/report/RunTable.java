package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One line per run, seed by seed: the best epoch's score and its epoch beside the last epoch's,
 * that epoch's training loss, the trainable values and the wall time, and the runs that diverged
 * with their reason. A summary's mean ± std hides whether one seed carries a cell, and whether the
 * best epoch was learned or picked out of noisy evaluations; this table shows both.
 */
public final class RunTable {

    /**
     * One run.
     *
     * @param methodId the method
     * @param settings the settings label
     * @param taskId the task
     * @param seed the seed
     * @param result the finished run, null if it diverged
     * @param divergedReason why the run has no score, null if it finished
     */
    public record Line(String methodId, String settings, String taskId, long seed, @Nullable RunResult result,
            @Nullable String divergedReason) {}

    private final List<Line> lines;

    private RunTable(List<Line> lines) {
        this.lines = List.copyOf(lines);
    }

    /**
     * The runs, sorted by method, settings, task (SuperGLUE's order) and seed. Unlike
     * {@link ResultSummary#of(List, List, EpochSelection)} it does not refuse a seed recorded twice
     * (a table of runs can show both); a report builds the summary first.
     */
    public static RunTable of(List<RunResult> results, List<DivergedRun> diverged) {
        List<Line> lines = new ArrayList<>();
        results.forEach(r -> lines.add(new Line(r.methodId(), r.settings(), r.taskId(), r.seed(), r, null)));
        diverged.forEach(d -> lines.add(new Line(d.methodId(), d.settings(), d.taskId(), d.seed(), null, d.reason())));
        lines.sort(Comparator.comparing(Line::methodId).thenComparing(Line::settings)
                .thenComparing(Line::taskId, ResultSummary.taskOrder()).thenComparingLong(Line::seed));
        return new RunTable(lines);
    }

    /** The lines, in order. */
    public List<Line> getLines() {
        return lines;
    }

    /**
     * The table as Markdown: scores in percent with one decimal, the epoch in brackets, the loss
     * with three significant digits ({@code –} for a run that never trained), the wall time in
     * whole seconds; a diverged run has {@code diverged: <reason>} in place of its scores.
     */
    public String toMarkdown() {
        StringBuilder out = new StringBuilder("| Method | Settings | Task | Seed | Best epoch's score | "
                + "Last epoch's score | Last epoch's train loss | Trainable values | Wall time |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Line line : lines) {
            out.append("| ").append(line.methodId()).append(" | ").append(line.settings()).append(" | ")
                    .append(line.taskId()).append(" | ").append(line.seed()).append(" | ");
            RunResult r = line.result();
            if (r == null) {
                out.append("diverged: ").append(line.divergedReason()).append(" | | | | |\n");
            } else {
                out.append(ResultSummary.percent(r.bestMetric())).append(" (").append(r.bestEpoch()).append(") | ")
                        .append(ResultSummary.percent(r.lastMetric())).append(" (").append(r.lastEpoch()).append(") | ")
                        .append(loss(r.lastTrainLoss(), "%.3g", "–")).append(" | ").append(r.trainableParameters())
                        .append(String.format(Locale.ROOT, " | %.0f s |\n", r.wallTimeSeconds()));
            }
        }
        return out.toString();
    }

    /**
     * The table as CSV: {@code method,settings,task,seed,metric,best,best_epoch,last,last_epoch,
     * last_train_loss,trainable_parameters,wall_time_seconds,diverged}; scores in percent with two
     * decimals, the loss with six significant digits (empty for a run that never trained),
     * {@code diverged} the reason or empty.
     */
    public String toCsv() {
        StringBuilder out = new StringBuilder("method,settings,task,seed,metric,best,best_epoch,last,last_epoch,"
                + "last_train_loss,trainable_parameters,wall_time_seconds,diverged\n");
        for (Line line : lines) {
            out.append(ResultSummary.csv(line.methodId())).append(',').append(ResultSummary.csv(line.settings()))
                    .append(',').append(ResultSummary.csv(line.taskId())).append(',').append(line.seed()).append(',');
            RunResult r = line.result();
            if (r == null) {
                out.append(",,,,,,,,").append(ResultSummary.csv(String.valueOf(line.divergedReason()))).append('\n');
            } else {
                out.append(ResultSummary.csv(r.metric())).append(',').append(ResultSummary.twoDecimals(r.bestMetric()))
                        .append(',').append(r.bestEpoch()).append(',').append(ResultSummary.twoDecimals(r.lastMetric()))
                        .append(',').append(r.lastEpoch()).append(',').append(loss(r.lastTrainLoss(), "%.6g", ""))
                        .append(',').append(r.trainableParameters())
                        .append(String.format(Locale.ROOT, ",%.1f,\n", r.wallTimeSeconds()));
            }
        }
        return out.toString();
    }

    /** Significant digits, since a loss fitted to few-shot data falls below 0.001. */
    private static String loss(double value, String format, String missing) {
        return Double.isNaN(value) ? missing : String.format(Locale.ROOT, format, value);
    }

    /** Writes {@code runs.md} and {@code runs.csv} into a folder, each replaced atomically. */
    public void write(Path folder) {
        try {
            AtomicFiles.write(folder.resolve("runs.md"), toMarkdown().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(folder.resolve("runs.csv"), toCsv().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PeftException("Cannot write the run table into " + folder + ": " + e.getMessage(), e);
        }
    }
}
