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
 * the last training loss, the trainable values and the wall time, and the runs that diverged with
 * their reason. A summary's mean ± std hides whether one seed carries a cell, and whether the best
 * epoch was learned or picked out of noisy evaluations; this table shows both.
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

    /** The runs, sorted by method, settings, task (SuperGLUE's order) and seed. */
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
     * with three decimals ({@code –} for a run that never trained), the wall time in whole
     * seconds; a diverged run has {@code diverged: <reason>} in place of its scores.
     */
    public String toMarkdown() {
        StringBuilder out = new StringBuilder("| Method | Settings | Task | Seed | Best epoch's score | "
                + "Last epoch's score | Last train loss | Trainable values | Wall time |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (Line line : lines) {
            out.append("| ").append(line.methodId()).append(" | ").append(line.settings()).append(" | ")
                    .append(line.taskId()).append(" | ").append(line.seed()).append(" | ");
            RunResult r = line.result();
            if (r == null) {
                out.append("diverged: ").append(line.divergedReason()).append(" | | | | |\n");
            } else {
                out.append(String.format(Locale.ROOT, "%.1f (%d) | %.1f (%d) | %s | %d | %.0f s |\n",
                        100 * r.bestMetric(), r.bestEpoch(), 100 * r.lastMetric(), r.lastEpoch(),
                        loss(lastTrainLoss(r), "%.3f", "–"), r.trainableParameters(), r.wallTimeSeconds()));
            }
        }
        return out.toString();
    }

    /**
     * The table as CSV: {@code method,settings,task,seed,metric,best,best_epoch,last,last_epoch,
     * last_train_loss,trainable_parameters,wall_time_seconds,diverged}; scores in percent with two
     * decimals, the loss with four (empty for a run that never trained), {@code diverged} the
     * reason or empty.
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
                out.append(String.format(Locale.ROOT, "%s,%.2f,%d,%.2f,%d,%s,%d,%.1f,\n", ResultSummary.csv(r.metric()),
                        100 * r.bestMetric(), r.bestEpoch(), 100 * r.lastMetric(), r.lastEpoch(),
                        loss(lastTrainLoss(r), "%.4f", ""), r.trainableParameters(), r.wallTimeSeconds()));
            }
        }
        return out.toString();
    }

    /** The training loss of the run's last epoch; NaN for a run evaluated without training (n = 0). */
    private static double lastTrainLoss(RunResult run) {
        return run.epochs().isEmpty() ? Double.NaN : run.epochs().get(run.epochs().size() - 1).trainLoss();
    }

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
