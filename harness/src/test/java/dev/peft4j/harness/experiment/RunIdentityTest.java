package dev.peft4j.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.harness.report.RunResult;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The data fingerprint is part of a run's configuration and id; results written before it keep theirs. */
class RunIdentityTest {

    private static final RunSpec RUN = new RunSpec("prompt-tuning", "cb", 1, 10, 0.3, Map.of(), Map.of("epochs", "2"));

    @Test
    void theDataFingerprintIsPartOfConfigurationAndId() {
        RunSpec onA = RUN.withDataFingerprint("aaaaaaaaaaaaaaaa");
        RunSpec onB = RUN.withDataFingerprint("bbbbbbbbbbbbbbbb");

        assertThat(onA.getConfig()).containsEntry(RunSpec.DATA, "aaaaaaaaaaaaaaaa");
        assertThat(onA.getRunId()).isNotEqualTo(onB.getRunId()).isNotEqualTo(RUN.getRunId())
                .startsWith("prompt-tuning_cb_n10_lr0.3_s1-");
        assertThat(onA.getSettings()).isEqualTo(onB.getSettings());
        assertThat(RunSpec.fromConfig(onA.getConfig())).isEqualTo(onA);
        assertThat(RUN.getConfig()).doesNotContainKey(RunSpec.DATA);
    }

    @Test
    void aGridGivesEachTaskItsOwnFingerprint() {
        List<RunSpec> runs = Grid.builder().addMethod("prompt-tuning").setTasks(List.of("cb", "rte"))
                .setSeeds(List.of(1L)).setPromptLengths(List.of(10)).setLearningRates(List.of(0.3))
                .optDataFingerprints(Map.of("cb", "cccccccccccccccc", "rte", "rrrrrrrrrrrrrrrr")).build().expand();

        assertThat(runs).extracting(RunSpec::dataFingerprint).containsExactly("cccccccccccccccc", "rrrrrrrrrrrrrrrr");
    }

    @Test
    void aResultWrittenBeforeFingerprintsIsReadAndRebuildsToItsOwnId() throws URISyntaxException {
        Path folder = Path.of(Objects.requireNonNull(getClass().getResource("/old-results")).toURI());

        List<RunResult> results = new ResultsFolder(folder).readAll();

        assertThat(results).hasSize(1);
        RunResult old = results.get(0);
        RunSpec rebuilt = RunSpec.fromConfig(old.config());
        assertThat(rebuilt.dataFingerprint()).isEmpty();
        assertThat(rebuilt.getRunId()).isEqualTo(old.runId()).isEqualTo("prompt-tuning_cb_n10_lr0.3_s1-2c34b6c7");
        assertThat(new ResultsFolder(folder).isFinished(rebuilt)).isTrue();
    }
}
