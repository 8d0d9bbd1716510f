package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportPlotsTest {

    @TempDir
    Path temp;

    private static void assertPng(Path file, int width, int height) throws IOException {
        assertThat(file).isNotEmptyFile();
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }

    private static void assertSvg(Path file, int width, int height) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        // The file names the SVG 1.1 DTD; parsing must not fetch it.
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        Document svg = factory.newDocumentBuilder().parse(file.toFile());
        assertThat(svg.getDocumentElement().getTagName()).isEqualTo("svg");
        assertThat(Double.parseDouble(svg.getDocumentElement().getAttribute("width"))).isEqualTo(width);
        assertThat(Double.parseDouble(svg.getDocumentElement().getAttribute("height"))).isEqualTo(height);
        assertThat(svg.getElementsByTagName("text").getLength()).as("labels stay text").isPositive();
    }

    private static List<XYPlot> panels(JFreeChart chart) {
        return ((CombinedDomainXYPlot) chart.getPlot()).getSubplots();
    }

    private static List<RunResult> withHeadOnlyAndMajority() {
        List<RunResult> runs = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            runs.add(RunResult.builder().setRunId("head-only_s" + seed).setMethodId("prompt-tuning").setTaskId("cb")
                    .setMetric("acc_f1").setSeed(seed).optSettings("n=10 lr=0.000001").optPromptLength(10)
                    .optLearningRate(1e-6).optMajorityClassMetric(0.25)
                    .addEpoch(new EpochMetrics(1, 0.7, Map.of("acc_f1", 0.55))).optEnvironment(Runs.ENV).build());
        }
        runs.addAll(Runs.fixed());
        return runs;
    }

    @Test
    void everyFigureIsWrittenAsPngAndParsableSvg() throws Exception {
        List<RunResult> runs = new ArrayList<>(Runs.fixed());
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 0.03, 0.5, 0.6));
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 3.0, 0.3, 0.4));

        assertThat(ReportPlots.taskBars(runs, temp.resolve("bars.png"), 640, 400))
                .containsExactly(temp.resolve("bars.png"), temp.resolve("bars.svg"));
        assertPng(temp.resolve("bars.png"), 640, 400);
        assertSvg(temp.resolve("bars.svg"), 640, 400);
        ReportPlots.validationCurves(runs, List.of("cb", "rte"), temp.resolve("curves"), 600, 300);
        assertPng(temp.resolve("curves.png"), 600, 300);
        assertSvg(temp.resolve("curves.svg"), 600, 300);
        ReportPlots.learningRateSensitivity(runs, List.of("cb"), temp.resolve("lr"), 500, 350);
        assertPng(temp.resolve("lr.png"), 500, 350);
        assertSvg(temp.resolve("lr.svg"), 500, 350);
    }

    /* Reports are committed and compared between runs: the same results must give the same bytes. */
    @Test
    void theSameResultsGiveByteIdenticalFigures() throws Exception {
        List<Path> first = ReportPlots.writeAll(Runs.fixed(), temp.resolve("first"));
        List<Path> second = ReportPlots.writeAll(Runs.fixed(), temp.resolve("second"));

        assertThat(second).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(Files.mismatch(first.get(i), second.get(i))).as("first differing byte of " + second.get(i))
                    .isEqualTo(-1L);
        }
    }

    @Test
    void writeAllDrawsOneFigureOfEachKindWithAPanelPerTask() throws Exception {
        List<RunResult> runs = new ArrayList<>(Runs.fixed());
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 0.03, 0.5, 0.6));

        List<Path> files = ReportPlots.writeAll(runs, temp.resolve("plots"));

        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("bars.png", "bars.svg", "curves.png", "curves.svg", "lr.png", "lr.svg");
        assertPng(files.get(0), ReportPlots.WIDTH, ReportPlots.HEIGHT);
        assertPng(files.get(2), ReportPlots.WIDTH, ReportPlots.figureHeight(2));
        assertSvg(files.get(5), ReportPlots.WIDTH, ReportPlots.figureHeight(1));
    }

    @Test
    void noSensitivityFigureWithOneLearningRatePerTask() {
        List<Path> files = ReportPlots.writeAll(withHeadOnlyAndMajority(), temp.resolve("plots"));

        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("bars.png", "bars.svg", "curves.png", "curves.svg");
    }

    @Test
    void curvesAreSmallMultiplesWithBandsOfOneStandardDeviation() {
        JFreeChart chart = ReportPlots.validationCurvesChart(Runs.fixed(), List.of("cb", "rte"));

        List<XYPlot> panels = panels(chart);
        assertThat(panels).hasSize(2);
        assertThat(panels.get(0).getRangeAxis().getLabel()).isEqualTo("cb: acc_f1 (%)");
        assertThat(panels.get(1).getRangeAxis().getLabel()).isEqualTo("rte: accuracy (%)");
        assertThat(panels.get(0).getRenderer()).isInstanceOf(DeviationRenderer.class);
        YIntervalSeriesCollection cb = (YIntervalSeriesCollection) panels.get(0).getDataset();
        int residual = cb.indexOf("residual-prompt n=10 lr=0.3");
        // Epoch 1 of the three CB seeds: 0.60, 0.72, 0.50; mean 60.67, sample std 11.02 (percent).
        assertThat(cb.getYValue(residual, 0)).isCloseTo(60.667, offset(1e-3));
        assertThat(cb.getEndYValue(residual, 0) - cb.getYValue(residual, 0))
                .isCloseTo(11.015, offset(1e-3));
        assertThat(cb.getStartYValue(residual, 0)).isLessThan(cb.getEndYValue(residual, 0));
        int single = cb.indexOf("prompt-tuning n=10 lr=0.3");
        assertThat(cb.getStartYValue(single, 0)).as("one seed: no band").isEqualTo(cb.getEndYValue(single, 0));
    }

    @Test
    void oneColourPerMethodFromOkabeItoAndNoYellow() {
        JFreeChart chart = ReportPlots.validationCurvesChart(Runs.fixed(), List.of("cb", "rte"));

        XYPlot cb = panels(chart).get(0);
        YIntervalSeriesCollection data = (YIntervalSeriesCollection) cb.getDataset();
        Color promptTuning = (Color) cb.getRenderer().getSeriesPaint(data.indexOf("prompt-tuning n=10 lr=0.3"));
        Color residual = (Color) cb.getRenderer().getSeriesPaint(data.indexOf("residual-prompt n=10 lr=0.3"));
        assertThat(List.of(promptTuning, residual)).doesNotHaveDuplicates()
                .allSatisfy(c -> assertThat(ReportPlots.PALETTE).contains(c));
        assertThat(ReportPlots.PALETTE).doesNotContain(new Color(0xF0E442));
        XYPlot rte = panels(chart).get(1);
        YIntervalSeriesCollection rteData = (YIntervalSeriesCollection) rte.getDataset();
        assertThat(rte.getRenderer().getSeriesPaint(rteData.indexOf("residual-prompt n=10 lr=0.3")))
                .as("same method, same colour in every panel").isEqualTo(residual);
        assertThat(chart.getPlot().getLegendItems().getItemCount()).as("one entry per method").isEqualTo(2);
    }

    @Test
    void settingsOfOneMethodDifferInDashNotColour() {
        List<RunResult> runs = new ArrayList<>(Runs.fixed());
        RunResult longPrompt = Runs.run("residual-prompt", "cb", "acc_f1", 1, 0.3, 0.6, 0.7);
        runs.add(RunResult.builder().setRunId("long").setMethodId("residual-prompt").setTaskId("cb").setMetric("acc_f1")
                .setSeed(1).optSettings("n=100 lr=0.3").optPromptLength(100).optLearningRate(0.3)
                .addEpoch(longPrompt.epochs().get(0)).optEnvironment(Runs.ENV).build());

        XYPlot cb = panels(ReportPlots.validationCurvesChart(runs, List.of("cb"))).get(0);

        YIntervalSeriesCollection data = (YIntervalSeriesCollection) cb.getDataset();
        int n10 = data.indexOf("residual-prompt n=10 lr=0.3");
        int n100 = data.indexOf("residual-prompt n=100 lr=0.3");
        assertThat(cb.getRenderer().getSeriesPaint(n10)).isEqualTo(cb.getRenderer().getSeriesPaint(n100));
        assertThat(cb.getRenderer().getSeriesStroke(n10)).isNotEqualTo(cb.getRenderer().getSeriesStroke(n100));
        List<String> legend = new ArrayList<>();
        org.jfree.chart.LegendItemCollection items =
                ReportPlots.validationCurvesChart(runs, List.of("cb")).getPlot().getLegendItems();
        for (int i = 0; i < items.getItemCount(); i++) {
            legend.add(items.get(i).getLabel());
        }
        assertThat(legend).containsExactly("prompt-tuning", "residual-prompt", "n=10 lr=0.3", "n=100 lr=0.3");
    }

    @Test
    void headOnlyAndMajorityClassAreReferenceLinesNotCurves() {
        JFreeChart chart = ReportPlots.validationCurvesChart(withHeadOnlyAndMajority(), List.of("cb"));

        XYPlot cb = panels(chart).get(0);
        YIntervalSeriesCollection data = (YIntervalSeriesCollection) cb.getDataset();
        assertThat(data.indexOf("prompt-tuning n=10 lr=0.000001")).as("head-only is no curve").isNegative();
        @SuppressWarnings("unchecked")
        java.util.Collection<Marker> markers = cb.getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND);
        assertThat(markers).extracting(Marker::getLabel).containsExactly("majority class 25.0", "head only 55.0");
        assertThat(markers).extracting(m -> ((ValueMarker) m).getValue())
                .satisfiesExactly(v -> assertThat(v).isCloseTo(25.0, offset(1e-9)), v -> assertThat(v).isCloseTo(55.0, offset(1e-9)));
        assertThat(cb.getRangeAxis().getLowerBound()).as("the majority line is inside the panel").isLessThan(25.0);
        JFreeChart rates = ReportPlots.learningRateChart(withHeadOnlyAndMajority(), List.of("cb"));
        assertThat(((YIntervalSeriesCollection) panels(rates).get(0).getDataset()).getSeriesCount())
                .as("head-only runs are left out of the prompt-tuning line").isEqualTo(2);
    }

    @Test
    void writeAllDrawsNothingWhenNoRunFinished() {
        assertThat(ReportPlots.writeAll(List.of(), temp.resolve("plots"))).isEmpty();
        assertThat(temp.resolve("plots")).doesNotExist();
    }

    @Test
    void unknownTaskFailsNamingTheTasks() {
        assertThatThrownBy(() -> ReportPlots.validationCurvesChart(Runs.fixed(), List.of("wic")))
                .hasMessageContaining("No runs of task 'wic' to plot; tasks present: [cb, rte]");
    }
}
