package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Options declared once in shared mixins keep the names and defaults each command had. */
class CommandOptionsTest {

    private static final List<String> TRAINING = List.of("--backbone", "--epochs", "--batch-size", "--eval-batch-size",
            "--max-length", "--head-lr", "--weight-decay", "--max-grad-norm", "--max-steps", "--eval-every",
            "--train-split", "--eval-split", "--init", "--train-limit", "--eval-limit", "--bucket", "--precision",
            "--data", "--device", "--no-progress");
    private static final List<String> CUSTOM = List.of("--train-file", "--val-file", "--text-fields", "--label-field",
            "--labels");

    private static CommandSpec command(String name) {
        return new CommandLine(new Peft4jCommand()).getSubcommands().get(name).getCommandSpec();
    }

    @Test
    void everyCommandKeepsItsOptionNames() {
        Map<String, List<String>> expected = Map.of(
                "train", List.of("--task", "--method", "-o", "--option", "-n", "--prompt-length", "--lr", "--seed",
                        "--results", "--export-dir"),
                "eval", List.of("--prompt", "--split", "--data", "--device", "--batch-size"),
                "export", List.of("--results", "--run", "--out", "--device", "--data"),
                "compare", List.of("--methods", "--method-options", "--tasks", "--seeds", "--prompt-lengths", "--lrs",
                        "--results", "--shard", "--no-progress"),
                "report", List.of("--results", "--out", "--methods", "--tasks"),
                "bench", List.of("--backbone", "--device", "--batch", "--length", "-n", "--prompt-length", "--method",
                        "-o", "--option", "--steps", "--warmup", "--data", "--out"),
                "serve", List.of("--prompts", "--host", "--port", "--batching", "--max-batch", "--max-wait-ms",
                        "--queue", "--max-body-kb", "--max-items", "--drain-seconds", "--device"),
                "bench-serve", List.of("--prompts", "--synthetic-tasks", "--backbone", "--clients", "--batching",
                        "--requests", "--seconds", "--warmup", "--out", "--max-batch", "--max-wait-ms", "--device"));
        expected.forEach((name, options) -> assertThat(command(name).optionsMap()).as(name).containsKeys(
                options.toArray(String[]::new)));
        for (String name : List.of("train", "compare")) {
            assertThat(command(name).optionsMap()).as(name).containsKeys(TRAINING.toArray(String[]::new))
                    .containsKeys(CUSTOM.toArray(String[]::new));
        }
        for (String name : List.of("eval", "export")) {
            assertThat(command(name).optionsMap()).as(name).containsKeys(CUSTOM.toArray(String[]::new));
        }
    }

    @Test
    void sharedOptionsKeepTheirDefaults() {
        for (String name : List.of("train", "eval", "export", "bench", "compare", "serve", "bench-serve")) {
            assertThat(command(name).findOption("--device").defaultValueString()).as(name).isEqualTo("cpu");
        }
        for (String name : List.of("train", "bench")) {
            CommandSpec spec = command(name);
            assertThat(spec.findOption("--method").defaultValue()).as(name).isEqualTo("residual-prompt");
            assertThat(spec.findOption("--prompt-length").defaultValue()).as(name).isEqualTo("10");
        }
    }

    @Test
    void verboseIsAcceptedByEveryCommand() {
        CommandLine root = new CommandLine(new Peft4jCommand());
        for (String name : List.of("list", "train", "eval", "export", "compare", "report", "bench", "serve",
                "bench-serve")) {
            assertThat(root.getSubcommands().get(name).getCommandSpec().optionsMap()).as(name)
                    .containsKeys("-v", "--verbose");
        }
    }
}
