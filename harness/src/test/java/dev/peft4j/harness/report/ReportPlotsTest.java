package dev.peft4j.harness.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void barsCurvesAndLearningRatePlotsHaveTheRequestedSize() throws IOException {
        List<RunResult> runs = new ArrayList<>(Runs.fixed());
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 0.03, 0.5, 0.6));
        runs.add(Runs.run("residual-prompt", "cb", "acc_f1", 1, 3.0, 0.3, 0.4));
        ReportPlots.taskBars(runs, temp.resolve("bars.png"), 640, 400);
        assertPng(temp.resolve("bars.png"), 640, 400);
        ReportPlots.validationCurves(runs, "cb", temp.resolve("curves.png"), 600, 300);
        assertPng(temp.resolve("curves.png"), 600, 300);
        ReportPlots.learningRateSensitivity(runs, "cb", temp.resolve("lr.png"), 500, 350);
        assertPng(temp.resolve("lr.png"), 500, 350);
    }

    @Test
    void writeAllDrawsEveryPlot() throws IOException {
        List<Path> files = ReportPlots.writeAll(Runs.fixed(), temp.resolve("plots"));
        assertThat(files).extracting(p -> p.getFileName().toString())
                .containsExactly("bars.png", "curves-cb.png", "lr-cb.png", "curves-rte.png", "lr-rte.png");
        for (Path file : files) {
            assertPng(file, ReportPlots.WIDTH, ReportPlots.HEIGHT);
        }
    }

    @Test
    void writeAllDrawsNothingWhenNoRunFinished() {
        assertThat(ReportPlots.writeAll(List.of(), temp.resolve("plots"))).isEmpty();
        assertThat(temp.resolve("plots")).doesNotExist();
    }

    @Test
    void unknownTaskFailsNamingTheTasks() {
        assertThatThrownBy(() -> ReportPlots.validationCurves(Runs.fixed(), "wic", temp.resolve("x.png"), 10, 10))
                .hasMessageContaining("No runs of task 'wic' to plot; tasks present: [cb, rte]");
    }
}
