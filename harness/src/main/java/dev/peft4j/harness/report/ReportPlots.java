package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * Plots of run results for a paper, drawn with JFreeChart off screen (run with
 * {@code -Djava.awt.headless=true} on machines without a display) and written as PNG and SVG:
 * per-task bars with standard-deviation error bars, validation curves per epoch and
 * learning-rate sensitivity on a logarithmic axis. Curves are small multiples (one panel per
 * task, sharing the x axis), each line the mean over seeds with a shaded band of ± one standard
 * deviation. Every method has one colour from the Okabe-Ito palette (distinct under the common
 * colour-vision deficiencies; its yellow is left out, as it vanishes on white) and every setting
 * one dash style. Values are the headline metric in percent.
 *
 * <p>Two reference levels are drawn as horizontal lines where known: the <em>majority class</em>
 * (the headline metric of always answering the evaluation split's most frequent label, recorded
 * in each run result since it was added) and <em>head only</em>: a (method, settings) whose
 * prompt learning rate is at most {@link #HEAD_ONLY_MAX_LEARNING_RATE} leaves its prompt where it
 * started, so only the classification head learns; such a group (the study's control runs prompt
 * tuning at 1e-6) is drawn as a reference line at its mean best value, not as a curve.
 */
public final class ReportPlots {

    /** Default image width in pixels. */
    public static final int WIDTH = 900;
    /** Default image height in pixels (bars; curves and learning-rate figures grow with the tasks). */
    public static final int HEIGHT = 500;
    /** Height of one task's panel in the curves and learning-rate figures. */
    public static final int PANEL_HEIGHT = 260;

    /** Prompt learning rates at or below this one mark a head-only control (see the class comment). */
    public static final double HEAD_ONLY_MAX_LEARNING_RATE = 1e-5;

    /**
     * The Okabe-Ito palette without its yellow: blue, vermillion, bluish green, orange for the
     * bundled methods (residual-prompt, prompt-tuning, mlp-prompt, p-tuning, the same in every
     * figure), then reddish purple, sky blue and black for other methods in sorted order.
     */
    static final List<Color> PALETTE = List.of(new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73),
            new Color(0xE69F00), new Color(0xCC79A7), new Color(0x56B4E9), new Color(0x000000));

    /** Methods shipped with peft4j, in the order of their colours in {@link #PALETTE}. */
    private static final List<String> BUNDLED_METHODS =
            List.of("residual-prompt", "prompt-tuning", "mlp-prompt", "p-tuning");

    private static final float LINE_WIDTH = 1.8f;
    private static final float[][] DASHES = {null, {7f, 4f}, {2f, 3f}, {9f, 3f, 2f, 3f}, {14f, 5f}};
    private static final Color GRID = new Color(0xDDDDDD);
    private static final Color REFERENCE = new Color(0x555555);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font PANEL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 12);

    private ReportPlots() {}

    /**
     * One bar per (method, settings) and task: the mean best headline metric over seeds, with an
     * error bar of one standard deviation; bars of one method share its colour, lighter for its
     * further settings.
     */
    public static JFreeChart taskBarsChart(List<RunResult> results) {
        ResultSummary summary = ResultSummary.of(results);
        Styles styles = Styles.of(results);
        DefaultStatisticalCategoryDataset dataset = new DefaultStatisticalCategoryDataset();
        StatisticalBarRenderer renderer = new StatisticalBarRenderer();
        int series = 0;
        for (ResultSummary.Row row : summary.getRows()) {
            String label = label(row.methodId(), row.settings());
            for (String task : summary.getTasks()) {
                ResultSummary.Cell cell = row.cells().get(task);
                if (cell != null) {
                    dataset.add(100 * cell.mean(), 100 * cell.std(), label, task + " (" + cell.metric() + ")");
                }
            }
            renderer.setSeriesPaint(series++, styles.barColour(row.methodId(), row.settings()));
        }
        renderer.setErrorIndicatorPaint(Color.BLACK);
        renderer.setDrawBarOutline(false);
        renderer.setShadowVisible(false);
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setItemMargin(0.05);
        NumberAxis valueAxis = new NumberAxis("Best validation metric (%), mean ± std over seeds");
        CategoryPlot plot = new CategoryPlot(dataset, new CategoryAxis("Task"), valueAxis, renderer);
        plot.getDomainAxis().setLabelFont(LABEL_FONT);
        plot.getDomainAxis().setTickLabelFont(LABEL_FONT);
        style(plot.getRangeAxis());
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlineStroke(new BasicStroke(0.8f));
        plot.setOutlineVisible(false);
        return chart("Best validation metric per task", plot);
    }

    /** Writes {@link #taskBarsChart} as {@code <file>.png} and {@code <file>.svg}; returns the files. */
    public static List<Path> taskBars(List<RunResult> results, Path file, int width, int height) {
        return save(taskBarsChart(results), file, width, height);
    }

    /**
     * The validation headline metric per epoch, one panel per task (in the order given) sharing
     * the epoch axis: per (method, settings) the mean over seeds with a band of ± one standard
     * deviation, and the reference lines of the class comment.
     */
    public static JFreeChart validationCurvesChart(List<RunResult> results, List<String> taskIds) {
        Styles styles = Styles.of(results);
        NumberAxis epochs = new NumberAxis("Epoch");
        epochs.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        epochs.setAutoRangeIncludesZero(false);
        style(epochs);
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(epochs);
        combined.setGap(14);
        for (String taskId : taskIds) {
            List<RunResult> runs = forTask(results, taskId);
            Map<String, YIntervalSeries> byGroup = new LinkedHashMap<>();
            List<String> groups = new ArrayList<>();
            for (EpochCurves.Point point : EpochCurves.of(runs)) {
                if (styles.isHeadOnly(point.methodId(), point.settings())) {
                    continue;
                }
                String label = label(point.methodId(), point.settings());
                YIntervalSeries series = byGroup.computeIfAbsent(label, k -> {
                    groups.add(k);
                    return new YIntervalSeries(k);
                });
                double mean = 100 * point.mean();
                double spread = 100 * point.std();
                series.add(point.epoch(), mean, mean - spread, mean + spread);
            }
            if (byGroup.isEmpty() && runs.stream().allMatch(r -> r.epochs().isEmpty())) {
                throw new PeftException("No per-epoch metrics for task '" + taskId
                        + "': the runs recorded no epochs.");
            }
            combined.add(panel(taskId, runs, byGroup, styles), 1);
        }
        combined.setFixedLegendItems(styles.legend(results, false));
        return chart("Validation metric per epoch (mean ± std over seeds)", combined);
    }

    /** Writes {@link #validationCurvesChart} as {@code <file>.png} and {@code .svg}; returns the files. */
    public static List<Path> validationCurves(List<RunResult> results, List<String> taskIds, Path file, int width,
            int height) {
        return save(validationCurvesChart(results, taskIds), file, width, height);
    }

    /**
     * Best headline metric against the prompt's learning rate (log scale), one panel per task:
     * per method and prompt length the mean over seeds (and over other settings) with a band of ±
     * one standard deviation. Head-only runs are reference lines, not points.
     */
    public static JFreeChart learningRateChart(List<RunResult> results, List<String> taskIds) {
        Styles styles = Styles.of(results);
        LogAxis rates = new LogAxis("Prompt learning rate");
        rates.setBase(10);
        rates.setSmallestValue(1e-8);
        // One tick per decade: 10^-4, 10^-3, ... rather than fractional exponents.
        rates.setTickUnit(new NumberTickUnit(1.0), false, false);
        rates.setAutoTickUnitSelection(false);
        style(rates);
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(rates);
        combined.setGap(14);
        for (String taskId : taskIds) {
            List<RunResult> runs = forTask(results, taskId);
            Map<String, TreeMap<Double, List<Double>>> byGroup = new TreeMap<>();
            for (RunResult run : runs) {
                if (!(run.learningRate() > 0)) {
                    throw new PeftException("Run " + run.runId() + " has learning rate " + run.learningRate()
                            + "; a logarithmic axis needs positive learning rates.");
                }
                if (!styles.isHeadOnly(run.methodId(), run.settings())) {
                    byGroup.computeIfAbsent(lengthLabel(run), k -> new TreeMap<>())
                            .computeIfAbsent(run.learningRate(), k -> new ArrayList<>()).add(run.bestMetric());
                }
            }
            Map<String, YIntervalSeries> series = new LinkedHashMap<>();
            byGroup.forEach((label, byRate) -> {
                YIntervalSeries line = new YIntervalSeries(label);
                byRate.forEach((rate, values) -> {
                    double[] percent = values.stream().mapToDouble(v -> 100 * v).toArray();
                    double mean = ResultSummary.mean(percent);
                    double spread = ResultSummary.std(percent);
                    line.add(rate, mean, mean - spread, mean + spread);
                });
                series.put(label, line);
            });
            combined.add(panel(taskId, runs, series, styles), 1);
        }
        combined.setFixedLegendItems(styles.legend(results, true));
        return chart("Learning-rate sensitivity (mean ± std over seeds)", combined);
    }

    /** Writes {@link #learningRateChart} as {@code <file>.png} and {@code .svg}; returns the files. */
    public static List<Path> learningRateSensitivity(List<RunResult> results, List<String> taskIds, Path file,
            int width, int height) {
        return save(learningRateChart(results, taskIds), file, width, height);
    }

    /**
     * Writes every figure into a folder, each as PNG and SVG: {@code bars}, {@code curves} (panels
     * of the tasks whose runs recorded epochs) and {@code lr} (panels of the tasks run at two or
     * more learning rates); returns the files written, none when no run finished (every run of a
     * report may have diverged).
     */
    public static List<Path> writeAll(List<RunResult> results, Path folder) {
        List<Path> written = new ArrayList<>();
        if (results.isEmpty()) {
            return written;
        }
        List<String> tasks = ResultSummary.of(results).getTasks();
        written.addAll(taskBars(results, folder.resolve("bars"), WIDTH, HEIGHT));
        List<String> withEpochs = tasks.stream()
                .filter(t -> results.stream().anyMatch(r -> r.taskId().equals(t) && !r.epochs().isEmpty())).toList();
        if (!withEpochs.isEmpty()) {
            written.addAll(validationCurves(results, withEpochs, folder.resolve("curves"), WIDTH,
                    figureHeight(withEpochs.size())));
        }
        // A sensitivity panel needs at least two learning rates (head-only controls aside).
        Styles styles = Styles.of(results);
        List<String> withRates = tasks.stream().filter(t -> results.stream()
                .filter(r -> r.taskId().equals(t) && !styles.isHeadOnly(r.methodId(), r.settings()))
                .mapToDouble(RunResult::learningRate).distinct().count() > 1).toList();
        if (!withRates.isEmpty()) {
            written.addAll(learningRateSensitivity(results, withRates, folder.resolve("lr"), WIDTH,
                    figureHeight(withRates.size())));
        }
        return written;
    }

    /** Room for the title and legend plus one panel per task. */
    public static int figureHeight(int panels) {
        return 150 + PANEL_HEIGHT * panels;
    }

    /** One task's panel: banded lines, and the majority-class and head-only reference lines. */
    private static XYPlot panel(String taskId, List<RunResult> runs, Map<String, YIntervalSeries> byLabel,
            Styles styles) {
        YIntervalSeriesCollection dataset = new YIntervalSeriesCollection();
        DeviationRenderer renderer = new DeviationRenderer(true, true);
        renderer.setAlpha(0.16f);
        int index = 0;
        for (YIntervalSeries series : byLabel.values()) {
            dataset.addSeries(series);
            Styles.Style style = styles.of((String) series.getKey());
            renderer.setSeriesPaint(index, style.colour());
            renderer.setSeriesFillPaint(index, style.colour());
            renderer.setSeriesStroke(index, style.stroke());
            renderer.setSeriesShape(index, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
            index++;
        }
        renderer.setDefaultSeriesVisibleInLegend(false);
        NumberAxis values = new NumberAxis(taskId + ": " + runs.get(0).metric() + " (%)");
        values.setAutoRangeIncludesZero(false);
        style(values);
        XYPlot plot = new XYPlot(dataset, null, values, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(0.8f));
        plot.setRangeGridlineStroke(new BasicStroke(0.8f));
        plot.setOutlinePaint(Color.GRAY);
        List<Reference> references = references(runs, styles);
        for (Reference reference : references) {
            ValueMarker marker = new ValueMarker(reference.percent(), REFERENCE, reference.stroke());
            marker.setLabel(reference.label() + String.format(Locale.ROOT, " %.1f", reference.percent()));
            marker.setLabelFont(new Font(Font.SANS_SERIF, Font.ITALIC, 11));
            marker.setLabelPaint(REFERENCE);
            marker.setLabelBackgroundColor(new Color(255, 255, 255, 200));
            marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
            marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
            marker.setLabelOffset(new RectangleInsets(2, 6, 2, 2));
            plot.addRangeMarker(marker);
        }
        values.setLabelFont(PANEL_FONT);
        includeReferences(plot, references);
        return plot;
    }

    /** A horizontal reference line. */
    record Reference(String label, double percent, Stroke stroke) {}

    /** The reference lines of one task's runs: majority class (when recorded) and head-only groups. */
    static List<Reference> references(List<RunResult> runs, Styles styles) {
        List<Reference> references = new ArrayList<>();
        double[] majority = runs.stream().filter(r -> r.majorityClassMetric() != null)
                .mapToDouble(r -> 100 * r.majorityClassMetric()).distinct().toArray();
        if (majority.length > 0) {
            // Runs of one task and evaluation split agree; a mix of splits would show several values.
            references.add(new Reference("majority class", ResultSummary.mean(majority),
                    new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {2f, 3f}, 0f)));
        }
        Map<String, List<Double>> headOnly = new TreeMap<>();
        for (RunResult run : runs) {
            if (styles.isHeadOnly(run.methodId(), run.settings())) {
                headOnly.computeIfAbsent(label(run.methodId(), run.settings()), k -> new ArrayList<>())
                        .add(100 * run.bestMetric());
            }
        }
        headOnly.forEach((label, values) -> references.add(new Reference(
                headOnly.size() == 1 ? "head only" : "head only (" + label + ")",
                ResultSummary.mean(values.stream().mapToDouble(d -> d).toArray()),
                new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 4f}, 0f))));
        return references;
    }

    /** Widens the panel's range so that reference lines below or above every curve still show. */
    private static void includeReferences(XYPlot plot, List<Reference> references) {
        if (references.isEmpty()) {
            return;
        }
        ValueAxis axis = plot.getRangeAxis();
        double low = axis.getLowerBound();
        double high = axis.getUpperBound();
        boolean hasData = plot.getDataset() != null && plot.getDataset().getSeriesCount() > 0;
        for (Reference reference : references) {
            low = hasData ? Math.min(low, reference.percent()) : reference.percent();
            high = hasData ? Math.max(high, reference.percent()) : reference.percent();
            hasData = true;
        }
        double margin = Math.max(1.0, (high - low) * 0.08);
        axis.setRange(low - margin, high + margin);
    }

    /** Colour per method, dash per setting, and which groups are head-only controls. */
    static final class Styles {

        /** How one (method, settings) line is drawn. */
        record Style(Color colour, Stroke stroke) {}

        private final Map<String, Color> colours = new TreeMap<>();
        private final Map<String, Integer> dashes = new TreeMap<>();
        private final Map<String, String> methodOf = new TreeMap<>();
        private final Map<String, String> settingsOf = new TreeMap<>();
        private final TreeSet<String> headOnly = new TreeSet<>();

        static Styles of(List<RunResult> results) {
            Styles styles = new Styles();
            TreeSet<String> methods = new TreeSet<>();
            TreeSet<String> settings = new TreeSet<>();
            TreeSet<String> lengths = new TreeSet<>();
            for (RunResult run : results) {
                String label = label(run.methodId(), run.settings());
                if (run.learningRate() > 0 && run.learningRate() <= HEAD_ONLY_MAX_LEARNING_RATE) {
                    styles.headOnly.add(label);
                    continue;
                }
                methods.add(run.methodId());
                settings.add(run.settings());
                lengths.add("n=" + run.promptLength());
                styles.methodOf.put(label, run.methodId());
                styles.settingsOf.put(label, run.settings());
                styles.methodOf.put(lengthLabel(run), run.methodId());
                styles.settingsOf.put(lengthLabel(run), "n=" + run.promptLength());
            }
            // The bundled methods keep their colour in every figure; others take the free ones in order.
            List<Color> free = new ArrayList<>(PALETTE.subList(BUNDLED_METHODS.size(), PALETTE.size()));
            int i = 0;
            for (String method : methods) {
                int bundled = BUNDLED_METHODS.indexOf(method);
                styles.colours.put(method, bundled >= 0 ? PALETTE.get(bundled) : free.get(i++ % free.size()));
            }
            // Settings labels and prompt lengths (learning-rate figure) each get dashes in sorted order.
            List<String> settingsOrder = new ArrayList<>(settings);
            settingsOrder.forEach(s -> styles.dashes.put(s, settingsOrder.indexOf(s)));
            List<String> lengthOrder = sortedLengths(lengths);
            lengthOrder.forEach(n -> styles.dashes.putIfAbsent(n, lengthOrder.indexOf(n)));
            return styles;
        }

        private static List<String> sortedLengths(TreeSet<String> lengths) {
            List<String> sorted = new ArrayList<>(lengths);
            sorted.sort(Comparator.comparingInt((String n) -> Integer.parseInt(n.substring(2))));
            return sorted;
        }

        boolean isHeadOnly(String methodId, String settings) {
            return headOnly.contains(label(methodId, settings));
        }

        Style of(String label) {
            String method = methodOf.getOrDefault(label, label);
            String setting = settingsOf.getOrDefault(label, "");
            return new Style(colours.getOrDefault(method, Color.BLACK), stroke(dashes.getOrDefault(setting, 0)));
        }

        Color barColour(String methodId, String settings) {
            if (isHeadOnly(methodId, settings)) {
                return new Color(0xBBBBBB);
            }
            Color base = colours.getOrDefault(methodId, Color.BLACK);
            // Further settings of a method: the same hue, lighter.
            float lighten = Math.min(0.6f, 0.3f * dashes.getOrDefault(settings, 0));
            return new Color(mix(base.getRed(), lighten), mix(base.getGreen(), lighten), mix(base.getBlue(), lighten));
        }

        private static int mix(int channel, float towardsWhite) {
            return Math.round(channel + (255 - channel) * towardsWhite);
        }

        /** One legend entry per method and one per setting, rather than one per combination. */
        LegendItemCollection legend(List<RunResult> results, boolean byLength) {
            LegendItemCollection items = new LegendItemCollection();
            colours.forEach((method, colour) -> items.add(lineItem(method, colour, stroke(0))));
            Map<String, Integer> settingsDashes = new LinkedHashMap<>();
            for (RunResult run : results) {
                if (isHeadOnly(run.methodId(), run.settings())) {
                    continue;
                }
                String key = byLength ? "n=" + run.promptLength() : run.settings();
                settingsDashes.put(key, dashes.getOrDefault(key, 0));
            }
            if (settingsDashes.size() > 1) {
                new TreeMap<>(settingsDashes).entrySet().stream()
                        .sorted(Map.Entry.comparingByValue())
                        .forEach(e -> items.add(lineItem(e.getKey(), Color.DARK_GRAY, stroke(e.getValue()))));
            }
            return items;
        }

        private static LegendItem lineItem(String label, Color colour, Stroke stroke) {
            LegendItem item = new LegendItem(label, colour);
            item.setShapeVisible(false);
            item.setLineVisible(true);
            item.setLine(new Line2D.Double(-14, 0, 14, 0));
            item.setLinePaint(colour);
            item.setLineStroke(stroke);
            item.setLabelFont(LABEL_FONT);
            return item;
        }

        private static Stroke stroke(int dash) {
            float[] pattern = DASHES[dash % DASHES.length];
            return pattern == null ? new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                    : new BasicStroke(LINE_WIDTH, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, pattern, 0f);
        }
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

    private static String lengthLabel(RunResult run) {
        return run.methodId() + " n=" + run.promptLength();
    }

    private static void style(ValueAxis axis) {
        axis.setLabelFont(LABEL_FONT);
        axis.setTickLabelFont(LABEL_FONT);
        axis.setAxisLinePaint(Color.DARK_GRAY);
        axis.setTickMarkPaint(Color.DARK_GRAY);
    }

    private static JFreeChart chart(String title, Plot plot) {
        JFreeChart chart = new JFreeChart(title, TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setFrame(BlockBorder.NONE);
        legend.setItemFont(LABEL_FONT);
        return chart;
    }

    /**
     * Writes {@code <file>.png} (web pages, Markdown) and {@code <file>.svg} (papers: sharp at any
     * size, labels kept as text); an extension {@code .png} or {@code .svg} of {@code file} is dropped.
     */
    static List<Path> save(JFreeChart chart, Path file, int width, int height) {
        String name = file.getFileName().toString().replaceFirst("\\.(png|svg)$", "");
        Path png = file.resolveSibling(name + ".png");
        Path svg = file.resolveSibling(name + ".svg");
        try {
            // atomically replaced, like every report file: shards finishing together may share a folder
            AtomicFiles.write(png, ChartUtils.encodeAsPNG(chart.createBufferedImage(width, height)));
            SVGGraphics2D graphics = new SVGGraphics2D(width, height);
            // JFreeSVG prefixes its clip-path ids with the time; a fixed prefix makes a report
            // byte-identical when rebuilt, and the figure's name keeps one report's figures apart
            graphics.setDefsKeyPrefix("peft4j-" + name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
            chart.draw(graphics, new Rectangle(0, 0, width, height));
            AtomicFiles.write(svg, graphics.getSVGDocument().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PeftException("Cannot write plot " + png + " or " + svg + ": " + e.getMessage(), e);
        }
        return List.of(png, svg);
    }
}
