package dev.peft4j.harness.cli;

import dev.peft4j.inference.ExportFolder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code peft4j export}: checks an export folder and copies it, e.g. for a Hugging Face PEFT user. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Validate an exported prompt folder and write a copy (PEFT prompt adapter + head + settings).")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--prompt", required = true, description = "Export folder written by train --export-dir.")
    Path prompt;

    @Option(names = "--out", required = true, description = "Where to write the checked copy.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter writer = spec.commandLine().getOut();
        ExportFolder export = ExportFolder.read(prompt);
        export.write(out);
        writer.printf("%s: prompt %s of %s for task %s (%s %.4f), written to %s%n", export.settings().method(),
                export.getPrompt().shape(), export.settings().backbone(), export.settings().task(),
                export.settings().metric(), export.settings().bestMetric(), out);
        return 0;
    }
}
