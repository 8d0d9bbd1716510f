package dev.peft4j.harness.cli;

import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.train.TrainingListener;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jspecify.annotations.Nullable;

/**
 * Training progress of {@code train} and {@code compare}: one line per epoch with its metrics
 * and the time left, and on a terminal also a bar over each epoch's steps. A bar redraws itself
 * with carriage returns twice a second, so it is drawn only when standard output is a terminal;
 * a log file gets the epoch lines alone.
 */
final class Progress implements TrainingListener, AutoCloseable {

    private final PrintWriter out;
    private final @Nullable PrintStream terminal;
    private final int runs;
    private final LongSupplier nanoTime;
    private final long startNanos;

    private @Nullable ProgressBar bar;
    private @Nullable String runId;
    private int runIndex;
    private int epochsDone;
    private long runStartNanos;
    private int runEpochsDone;

    /**
     * @param out where the epoch lines go
     * @param terminal where bars are drawn, or null for none
     * @param runs how many runs this command trains, for the time left of all of them
     * @param nanoTime the clock, {@link System#nanoTime} outside tests
     */
    Progress(PrintWriter out, @Nullable PrintStream terminal, int runs, LongSupplier nanoTime) {
        this.out = out;
        this.terminal = terminal;
        this.runs = Math.max(1, runs);
        this.nanoTime = nanoTime;
        this.startNanos = nanoTime.getAsLong();
    }

    /** Bars only when standard output is a terminal and the user did not ask for plain lines. */
    static Progress forCommand(PrintWriter out, boolean plain, int runs) {
        boolean onTerminal = !plain && System.console() != null;
        return new Progress(out, onTerminal ? System.out : null, runs, System::nanoTime);
    }

    @Override
    public void onStep(RunSpec run, int epoch, int step, int stepsPerEpoch, float loss) {
        startRunIfNew(run);
        if (terminal == null) {
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(prefix(run) + "epoch " + epoch + "/" + epochs(run))
                    .setInitialMax(stepsPerEpoch).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                    .setUpdateIntervalMillis(500).continuousUpdate().build();
        }
        bar.stepTo(step);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f", loss));
    }

    @Override
    public void onEpochEnd(RunSpec run, EpochMetrics metrics, double headline, double best) {
        startRunIfNew(run);
        closeBar();
        epochsDone++;
        runEpochsDone++;
        if (metrics.epoch() == 0) {
            // a zero-shot run's only evaluation: no epoch, no loss, nothing left of the run
            out.println(prefix(run) + "zero-shot, nothing trained  " + metricsText(metrics.metrics()));
            out.flush();
            return;
        }
        int epochs = epochs(run);
        long now = nanoTime.getAsLong();
        long perEpoch = (now - runStartNanos) / runEpochsDone;
        int runEpochsLeft = Math.max(0, epochs - metrics.epoch());
        StringBuilder line = new StringBuilder(prefix(run)).append(String.format(Locale.ROOT, "epoch %d/%d  train loss %.4f",
                metrics.epoch(), epochs, metrics.trainLoss()));
        line.append("  ").append(metrics.metrics().isEmpty() ? "(not evaluated)" : metricsText(metrics.metrics()));
        line.append("  | ").append(duration(perEpoch)).append("/epoch, run done in ")
                .append(duration(perEpoch * runEpochsLeft));
        if (runs > 1) {
            // Later runs may have other tasks and epoch lengths: the mean epoch so far is a rough guide.
            long meanEpoch = (now - startNanos) / epochsDone;
            long left = perEpoch * runEpochsLeft + meanEpoch * (long) epochs * (runs - runIndex);
            line.append(", all in ~").append(duration(left));
        }
        out.println(line);
        out.flush();
    }

    /** {@code acc_f1 0.6123  accuracy 0.6500}: four decimals, sorted by name. */
    private static String metricsText(Map<String, Double> metrics) {
        return new TreeMap<>(metrics).entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue()))
                .collect(Collectors.joining("  "));
    }

    private void startRunIfNew(RunSpec run) {
        if (!run.getRunId().equals(runId)) {
            closeBar();
            runId = run.getRunId();
            runIndex++;
            runStartNanos = nanoTime.getAsLong();
            runEpochsDone = 0;
        }
    }

    private String prefix(RunSpec run) {
        return runs > 1 ? "[" + runIndex + "/" + runs + "] " + run.getRunId() + " " : "";
    }

    private static int epochs(RunSpec run) {
        return Integer.parseInt(run.shared().getOrDefault("epochs", "1"));
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h10m}. */
    static String duration(long nanos) {
        long seconds = Duration.ofNanos(Math.max(0, nanos)).toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() {
        closeBar();
    }
}
