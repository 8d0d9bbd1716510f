package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A grid with one bad cell fails before its first run trains, on tiny synthetic data. */
class GridCheckCommandTest {

    @TempDir
    Path folder;

    /** A compare over the reviews CSV task, with the given extra arguments. */
    private List<String> compare(String... extra) throws Exception {
        StringBuilder csv = new StringBuilder("text,label\n");
        String[] good = {"a lovely and warm film", "great acting and a fine story"};
        String[] bad = {"a dull and tiring film", "poor acting and a thin story"};
        for (int i = 0; i < good.length; i++) {
            csv.append('"').append(good[i]).append("\",pos\n").append('"').append(bad[i]).append("\",neg\n");
        }
        Path train = Files.writeString(folder.resolve("train.csv"), csv);
        List<String> args = new ArrayList<>(List.of("compare", "--tasks", "reviews", "--seeds", "1",
                "--train-file", train.toString(), "--val-file", train.toString(), "--text-fields", "text",
                "--results", results().toString(), "--epochs", "1", "--batch-size", "4", "--max-length", "32",
                "--no-progress"));
        args.addAll(List.of(extra));
        return args;
    }

    private Path results() {
        return folder.resolve("runs");
    }

    private List<Path> resultFiles() throws Exception {
        if (!Files.isDirectory(results())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(results())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).toList();
        }
    }

    @Test
    void aTypoInTheSecondMethodsOptionsFailsBeforeTheFirstMethodTrains() throws Exception {
        CommandRun outcome = CommandRun.of(compare("--methods", "prompt-tuning,residual-prompt",
                "--method-options", "residual-prompt:botleneck=16", "--prompt-lengths", "2"));

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(2);
        assertThat(outcome.err()).contains("Unknown option 'botleneck'").contains("Did you mean 'bottleneck'?")
                .doesNotContain("\tat ");
        assertThat(resultFiles()).as("no run trained").isEmpty();
    }

    @Test
    void aPromptLengthThatLeavesNoRoomForTheTextFailsBeforeTheFirstRun() throws Exception {
        CommandRun outcome = CommandRun.of(compare("--methods", "prompt-tuning", "--prompt-lengths", "2,30"));

        assertThat(outcome.status()).as(outcome.err()).isEqualTo(2);
        assertThat(outcome.err()).contains("Prompt length 30 leaves 2 positions").contains("'max-length' 32");
        assertThat(resultFiles()).as("no run trained").isEmpty();
    }

    @Test
    void nonFiniteNumbersAreRefusedNamingTheOption() throws Exception {
        CommandRun clip = CommandRun.of(compare("--methods", "prompt-tuning", "--max-grad-norm", "NaN"));
        assertThat(clip.status()).isEqualTo(2);
        assertThat(clip.err()).contains("'max-grad-norm'").contains("NaN").doesNotContain("\tat ");

        CommandRun rate = CommandRun.of(compare("--methods", "prompt-tuning", "--lrs", "0.3,Infinity"));
        assertThat(rate.status()).isEqualTo(2);
        assertThat(rate.err()).contains("--lrs").contains("Infinity").doesNotContain("\tat ");
        assertThat(resultFiles()).isEmpty();
    }
}
