package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG plots of run results, drawn with JFreeChart (off screen; run with
 * {@code -Djava.awt.headless=true} on machines without a display): per-task bars with
 * standard-deviation error bars, validation curves per epoch, and learning-rate sensitivity on a
 * logarithmic axis. Every value is the headline metric in percent, averaged over seeds.
 */
public final class ReportPlots {

    /** Default image width in pixels. */
    public static final int WIDTH = 900;
    /** Default image height in pixels. */
    public static final int HEIGHT = 500;

    private ReportPlots() {}

    /**
     * One bar per (method, settings) and task: the mean best headline metric over seeds, with an
     * error bar of one standard deviation.
     */
    public static void taskBars(List<RunResult> results, Path png, int width, int height) {
        ResultSummary summary = ResultSummary.of(results);
        DefaultStatisticalCategoryDataset dataset = new DefaultStatisticalCategoryDataset();
        for (ResultSummary.Row row : summary.getRows()) {
            String series = label(row.methodId(), row.settings());
            for (String task : summary.getTasks()) {
                ResultSummary.Cell cell = row.cells().get(task);
                if (cell != null) {
                    dataset.add(100 * cell.mean(), 100 * cell.std(), series, task + " (" + cell.metric() + ")");
                }
            }
        }
        NumberAxis valueAxis = new NumberAxis("Best validation metric (%)");
        StatisticalBarRenderer renderer = new StatisticalBarRenderer();
        renderer.setErrorIndicatorPaint(Color.BLACK);
        CategoryPlot plot = new CategoryPlot(dataset, new CategoryAxis("Task"), valueAxis, renderer);
        save(new JFreeChart("Mean ± std over seeds", JFreeChart.DEFAULT_TITLE_FONT, plot, true), png, width, height);
    }

    /**
     * Validation headline metric per epoch for one task, one line per (method, settings), each
     * point the mean over seeds.
     */
    public static void validationCurves(List<RunResult> results, String taskId, Path png, int width, int height) {
        List<RunResult> runs = forTask(results, taskId);
        Map<String, XYSeries> byGroup = new TreeMap<>();
        for (EpochCurves.Point point : EpochCurves.of(runs)) {
            byGroup.computeIfAbsent(label(point.methodId(), point.settings()), XYSeries::new)
                    .add(point.epoch(), 100 * point.mean());
        }
        XYSeriesCollection dataset = new XYSeriesCollection();
        byGroup.values().forEach(dataset::addSeries);
        if (dataset.getSeriesCount() == 0 || dataset.getItemCount(0) == 0) {
            throw new PeftException("No per-epoch metrics for task '" + taskId + "': the runs recorded no epochs.");
        }
        NumberAxis x = new NumberAxis("Epoch");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(runs.get(0).metric() + " (%)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(dataset, x, y, lines());
        save(new JFreeChart(taskId + ": validation per epoch", JFreeChart.DEFAULT_TITLE_FONT, plot, true),
                png, width, height);
    }

    /**
     * Best headline metric against the prompt's learning rate (log scale) for one task, one line
     * per method and prompt length, each point the mean over seeds (and over other settings).
     */
    public static void learningRateSensitivity(List<RunResult> results, String taskId, Path png, int width, int height) {
        List<RunResult> runs = forTask(results, taskId);
        Map<String, TreeMap<Double, List<Double>>> byMethod = new TreeMap<>();
        for (RunResult run : runs) {
            if (!(run.learningRate() > 0)) {
                throw new PeftException("Run " + run.runId() + " has learning rate " + run.learningRate()
                        + "; a logarithmic axis needs positive learning rates.");
            }
            byMethod.computeIfAbsent(run.methodId() + " n=" + run.promptLength(), k -> new TreeMap<>())
                    .computeIfAbsent(run.learningRate(), k -> new ArrayList<>()).add(run.bestMetric());
        }
        XYSeriesCollection dataset = new XYSeriesCollection();
        byMethod.forEach((label, rates) -> {
            XYSeries series = new XYSeries(label);
            rates.forEach((rate, values) ->
                    series.add(rate.doubleValue(), 100 * values.stream().mapToDouble(d -> d).average().orElseThrow()));
            dataset.addSeries(series);
        });
        LogAxis x = new LogAxis("Learning rate");
        x.setBase(10);
        x.setSmallestValue(1e-8);
        // One tick per decade: 10^-4, 10^-3, ... rather than fractional exponents.
        x.setTickUnit(new NumberTickUnit(1.0), false, false);
        x.setAutoTickUnitSelection(false);
        NumberAxis y = new NumberAxis("Best " + runs.get(0).metric() + " (%)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(dataset, x, y, lines());
        save(new JFreeChart(taskId + ": learning-rate sensitivity", JFreeChart.DEFAULT_TITLE_FONT, plot, true),
                png, width, height);
    }

    /**
     * Writes every plot into a folder: {@code bars.png}, and per task {@code curves-<task>.png}
     * (when epochs were recorded) and {@code lr-<task>.png}; returns the files written, none when
     * no run finished (every run of a report may have diverged).
     */
    public static List<Path> writeAll(List<RunResult> results, Path folder) {
        List<Path> written = new ArrayList<>();
        if (results.isEmpty()) {
            return written;
        }
        Path bars = folder.resolve("bars.png");
        taskBars(results, bars, WIDTH, HEIGHT);
        written.add(bars);
        for (String task : ResultSummary.of(results).getTasks()) {
            if (results.stream().anyMatch(r -> r.taskId().equals(task) && !r.epochs().isEmpty())) {
                Path curves = folder.resolve("curves-" + task + ".png");
                validationCurves(results, task, curves, WIDTH, HEIGHT);
                written.add(curves);
            }
            Path rates = folder.resolve("lr-" + task + ".png");
            learningRateSensitivity(results, task, rates, WIDTH, HEIGHT);
            written.add(rates);
        }
        return written;
    }

    private static List<RunResult> forTask(List<RunResult> results, String taskId) {
        List<RunResult> runs = results.stream().filter(r -> r.taskId().equals(taskId)).toList();
        if (runs.isEmpty()) {
            TreeSet<String> tasks = new TreeSet<>();
            results.forEach(r -> tasks.add(r.taskId()));
            throw new PeftException("No runs of task '" + taskId + "' to plot; tasks present: " + tasks + ".");
        }
        return runs;
    }

    private static String label(String methodId, String settings) {
        return settings.isEmpty() ? methodId : methodId + " " + settings;
    }

    private static XYLineAndShapeRenderer lines() {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setDefaultStroke(new BasicStroke(2f));
        renderer.setAutoPopulateSeriesStroke(false);
        return renderer;
    }

    private static void save(JFreeChart chart, Path png, int width, int height) {
        chart.setBackgroundPaint(Color.WHITE);
        try {
            Path parent = png.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
        } catch (IOException e) {
            throw new PeftException("Cannot write plot " + png + ": " + e.getMessage(), e);
        }
    }
}
