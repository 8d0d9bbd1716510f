package dev.peft4j.harness.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The method of one run and its settings, shared by {@code train} and {@code bench}. */
final class MethodOptions {

    @Option(names = "--method", defaultValue = "residual-prompt", description = "Method (plugin id) (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = {"-o", "--option"}, description = "A method option as name=value; repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    @Option(names = {"-n", "--prompt-length"}, defaultValue = "10", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int promptLength;
}
