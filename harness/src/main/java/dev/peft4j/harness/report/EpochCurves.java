package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validation curves as numbers: the headline metric after each evaluated epoch, and that epoch's
 * mean training loss, averaged over seeds, per task and (method, settings). The report plots them
 * and writes them as {@code curves.csv}, so convergence can be read off a table, not a picture.
 */
public final class EpochCurves {

    /**
     * One averaged point of a curve.
     *
     * @param taskId the task
     * @param methodId the method
     * @param settings the settings label
     * @param epoch 1-based epoch
     * @param mean mean over seeds of the headline metric after that epoch, in [0, 1]
     * @param std sample standard deviation over seeds
     * @param count seeds that evaluated that epoch
     * @param trainLoss mean over the same seeds of the epoch's mean training loss
     */
    public record Point(String taskId, String methodId, String settings, int epoch, double mean, double std, int count,
            double trainLoss) {}

    private EpochCurves() {}

    /**
     * The points of every run's evaluated epochs (epochs without metrics are left out), ordered by
     * task, method, settings and epoch.
     */
    public static List<Point> of(List<RunResult> results) {
        Map<List<String>, TreeMap<Integer, List<double[]>>> groups = new TreeMap<>(
                Comparator.<List<String>, String>comparing(k -> k.get(0))
                        .thenComparing(k -> k.get(1)).thenComparing(k -> k.get(2)));
        for (RunResult run : results) {
            TreeMap<Integer, List<double[]>> epochs =
                    groups.computeIfAbsent(List.of(run.taskId(), run.methodId(), run.settings()), k -> new TreeMap<>());
            for (EpochMetrics epoch : run.epochs()) {
                Double value = epoch.metrics().get(run.metric());
                if (value != null) {
                    epochs.computeIfAbsent(epoch.epoch(), k -> new ArrayList<>())
                            .add(new double[] {value, epoch.trainLoss()});
                }
            }
        }
        List<Point> points = new ArrayList<>();
        groups.forEach((key, epochs) -> epochs.forEach((epoch, values) -> {
            double[] metric = values.stream().mapToDouble(v -> v[0]).toArray();
            double[] loss = values.stream().mapToDouble(v -> v[1]).toArray();
            points.add(new Point(key.get(0), key.get(1), key.get(2), epoch,
                    ResultSummary.mean(metric), ResultSummary.std(metric), metric.length, ResultSummary.mean(loss)));
        }));
        return points;
    }

    /**
     * {@code task,method,settings,epoch,mean,std,n,train_loss}; mean and std in percent with two
     * decimals, the training loss with four.
     */
    public static String toCsv(List<Point> points) {
        StringBuilder out = new StringBuilder("task,method,settings,epoch,mean,std,n,train_loss\n");
        for (Point p : points) {
            out.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%.2f,%.2f,%d,%.4f\n", ResultSummary.csv(p.taskId()),
                    ResultSummary.csv(p.methodId()), ResultSummary.csv(p.settings()), p.epoch(), 100 * p.mean(),
                    100 * p.std(), p.count(), p.trainLoss()));
        }
        return out.toString();
    }

    /** Writes {@link #toCsv} of the results' points as {@code curves.csv} into a folder; returns the file. */
    public static Path write(List<RunResult> results, Path folder) {
        Path file = folder.resolve("curves.csv");
        try {
            AtomicFiles.write(file, toCsv(of(results)).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PeftException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
