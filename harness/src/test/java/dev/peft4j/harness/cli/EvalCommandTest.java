package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.inference.ExportFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code peft4j eval} on the user's own data: the export's labels decide what each head output means. */
class EvalCommandTest {

    /**
     * An export whose head always answers its first label, "pos" (zero weights, bias favouring
     * output 0), with labels in an order that is not the sorted one.
     */
    private static Path alwaysPositive(Path folder) {
        int width = 384;
        PromptShape shape = new PromptShape(2, width);
        AdapterConfig config = AdapterConfig.promptTuning(shape, 6, 12, "all-minilm-l6-v2");
        new ExportFolder(new PromptAdapter(config, new PromptEmbeddings(shape, new float[2 * width])),
                new float[2 * width], new float[] {5f, -5f},
                new ExportFolder.Settings("reviews", List.of("pos", "neg"), "all-minilm-l6-v2", 32, "prompt-tuning",
                        Map.of(), "test-run", "accuracy", 1.0)).write(folder);
        return folder;
    }

    private static String[] eval(Path export, Path data, String... extra) throws Exception {
        Path train = Files.writeString(data.resolve("train.csv"), "text,label\ngood film,pos\ndull film,neg\n");
        Path val = Files.writeString(data.resolve("val.csv"), "text,label\nlovely,pos\ngreat,pos\nfine,pos\n");
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--prompt", export.toString(),
                "--train-file", train.toString(), "--val-file", val.toString(), "--text-fields", "text"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void labelsInAnotherOrderThanTheExportsAreRefusedNamingBothLists(@TempDir Path temp) throws Exception {
        Path export = alwaysPositive(temp.resolve("export"));

        CommandRun outcome = CommandRun.of(eval(export, temp, "--labels", "neg,pos"));

        assertThat(outcome.status()).as(outcome.out()).isNotZero();
        assertThat(outcome.err()).contains("[pos, neg]").contains("[neg, pos]").contains("--labels pos,neg")
                .doesNotContain("\tat ");
    }

    @Test
    void anotherLabelSetIsRefused(@TempDir Path temp) throws Exception {
        Path export = alwaysPositive(temp.resolve("export"));

        CommandRun outcome = CommandRun.of(eval(export, temp, "--labels", "pos,neg,mixed"));

        assertThat(outcome.status()).as(outcome.out()).isNotZero();
        assertThat(outcome.err()).contains("[pos, neg]").contains("[pos, neg, mixed]");
    }

    @Test
    void withoutLabelsTheExportsOrderIsUsed(@TempDir Path temp) throws Exception {
        Path export = alwaysPositive(temp.resolve("export"));

        // the training file's sorted labels would be [neg, pos] and turn every answer around
        CommandRun outcome = CommandRun.of(eval(export, temp));

        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(outcome.out()).contains("reviews val (3 examples)").contains("accuracy=1.0");
    }
}
