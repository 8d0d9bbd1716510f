package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --head verbalizer} on the command line, with the tiny random BERT and its MLM head. */
class VerbalizerCommandTest {

    @Test
    void listShowsTheHeadKindsAndBuiltInTemplates() {
        CommandRun outcome = CommandRun.of("list");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).contains("Heads (--head):", "linear", "verbalizer",
                "{text_b:no-final-punctuation} ? [MASK] , {text_a}", "entailment=yes,not_entailment=no");
    }

    @Test
    void trainsOwnDataWithATemplateExportsAndEvaluates(@TempDir Path folder) throws Exception {
        StringBuilder csv = new StringBuilder("text,label\n");
        String[] good = {"the good red house", "a good old garden", "the happy children"};
        String[] bad = {"the lamp broke", "emma lost the key", "the cup fell and broke"};
        for (int i = 0; i < 3; i++) {
            csv.append(good[i]).append(",pos\n").append(bad[i]).append(",neg\n");
        }
        Path train = Files.writeString(folder.resolve("train.csv"), csv);
        Path export = folder.resolve("export");

        CommandRun outcome = CommandRun.of("train", "--backbone", TinyBertFolder.shared().toString(),
                "--task", "reviews", "--method", "prompt-tuning", "-n", "2",
                "--train-file", train.toString(), "--val-file", train.toString(), "--text-fields", "text",
                "--results", folder.resolve("runs").toString(), "--epochs", "1", "--batch-size", "3",
                "--max-length", "32", "--head", "verbalizer", "--template", "{text_a} . it was [MASK] .",
                "--label-words", "pos=good,neg=never", "--export-dir", export.toString());

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("best accuracy");
        assertThat(export.resolve("head.safetensors")).doesNotExist();
        assertThat(Files.readString(export.resolve("peft4j.json"))).contains("\"head\": \"verbalizer\"")
                .contains("{text_a} . it was [MASK] .");

        CommandRun evaluated = CommandRun.of("eval", "--prompt", export.toString(), "--train-file",
                train.toString(), "--val-file", train.toString(), "--text-fields", "text");
        assertThat(evaluated.status()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("accuracy=");
    }

    @Test
    void aTemplateWithoutAMaskIsRefusedBeforeTraining(@TempDir Path results) {
        CommandRun outcome = CommandRun.of("train", "--backbone", TinyBertFolder.shared().toString(),
                "--data", TestData.synthetic().toString(), "--results", results.toString(), "--task", "cb",
                "--head", "verbalizer", "--template", "{text_a} , {text_b}");

        assertThat(outcome.status()).isEqualTo(2);
        assertThat(outcome.err()).contains("holds 0 [MASK]").doesNotContain("\tat ");
    }
}
