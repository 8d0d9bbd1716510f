package dev.peft4j.harness.cli;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where a command computes and where it finds the data; shared by every command that loads a backbone. */
final class DeviceOptions {

    @Option(names = "--data", description = "Data folder holding superglue/<Task>/ and fewglue/<Task>/ "
            + "(default: $PEFT4J_DATA, else the official archives downloaded into ~/.peft4j/data).")
    @Nullable Path data;

    @Option(names = "--device", description = "Compute device: cpu, gpu or gpu(N) (default: ${DEFAULT-VALUE}).")
    String device = "cpu";
}
