package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Progress output: bars only on a terminal, otherwise one line per epoch with the time left. */
class ProgressTest {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    /** A clock the test moves by hand. */
    private static final class Clock {
        long now;
    }

    private static RunSpec run(long seed) {
        return new RunSpec("residual-prompt", "cb", seed, 10, 0.3, Map.of(), Map.of("epochs", "3"));
    }

    /** Trains {@code epochs} epochs of {@code steps} steps each, one minute per epoch. */
    private static void train(Progress progress, RunSpec run, int epochs, int steps, Clock clock) {
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (int step = 1; step <= steps; step++) {
                progress.onStep(run, epoch, step, steps, 0.5f);
                clock.now += MINUTE / steps;
            }
            progress.onEpochEnd(run, new EpochMetrics(epoch, 0.5, Map.of("acc_f1", 0.6)), 0.6, 0.6);
        }
    }

    @Test
    void withoutTerminalPrintsOneLinePerEpochAndNoCarriageReturn() {
        StringWriter out = new StringWriter();
        Clock clock = new Clock();
        try (Progress progress = new Progress(new PrintWriter(out), null, 2, () -> clock.now)) {
            train(progress, run(1), 3, 50, clock);
            train(progress, run(2), 3, 50, clock);
        }

        assertThat(out.toString()).doesNotContain("\r");
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).startsWith("[1/2] " + run(1).getRunId() + " epoch 1/3  train loss 0.5000  acc_f1 0.6000")
                .endsWith("| 1m00s/epoch, run done in 2m00s, all in ~5m00s");
        assertThat(lines.get(2)).contains("epoch 3/3").endsWith("run done in 0s, all in ~3m00s");
        assertThat(lines.get(3)).startsWith("[2/2] " + run(2).getRunId() + " epoch 1/3")
                .endsWith("run done in 2m00s, all in ~2m00s");
    }

    @Test
    void singleRunLineHasNoGridEstimate() {
        StringWriter out = new StringWriter();
        Clock clock = new Clock();
        try (Progress progress = new Progress(new PrintWriter(out), null, 1, () -> clock.now)) {
            train(progress, run(1), 1, 4, clock);
        }

        assertThat(out.toString()).isEqualTo(
                "epoch 1/3  train loss 0.5000  acc_f1 0.6000  | 1m00s/epoch, run done in 2m00s" + System.lineSeparator());
    }

    @Test
    void aZeroShotRunSaysSoInsteadOfAnEpochAndALoss() {
        StringWriter out = new StringWriter();
        try (Progress progress = new Progress(new PrintWriter(out), null, 2, () -> 0L)) {
            progress.onEpochEnd(run(1), new EpochMetrics(0, Double.NaN, Map.of("accuracy", 0.545)), 0.545, 0.545);
        }

        assertThat(out.toString()).isEqualTo("[1/2] " + run(1).getRunId()
                + " zero-shot, nothing trained  accuracy 0.5450" + System.lineSeparator());
    }

    @Test
    void onTerminalDrawsBarsThereAndKeepsTheEpochLines() {
        StringWriter out = new StringWriter();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        Clock clock = new Clock();
        try (Progress progress = new Progress(new PrintWriter(out),
                new PrintStream(terminal, true, StandardCharsets.UTF_8), 1, () -> clock.now)) {
            train(progress, run(1), 2, 5, clock);
        }

        assertThat(terminal.toString(StandardCharsets.UTF_8)).contains("\r").contains("epoch 1/3").contains("epoch 2/3");
        assertThat(out.toString().lines()).hasSize(2);
    }

    @Test
    void durationsReadLikeAClock() {
        assertThat(Progress.duration(TimeUnit.SECONDS.toNanos(45))).isEqualTo("45s");
        assertThat(Progress.duration(TimeUnit.SECONDS.toNanos(185))).isEqualTo("3m05s");
        assertThat(Progress.duration(TimeUnit.MINUTES.toNanos(130))).isEqualTo("2h10m");
        assertThat(Progress.duration(-1)).isEqualTo("0s");
    }
}
