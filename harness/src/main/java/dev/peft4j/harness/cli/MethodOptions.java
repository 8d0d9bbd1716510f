package dev.peft4j.harness.cli;

import dev.peft4j.api.InvalidOptionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * Parses {@code --method-options} entries ({@code method:name=value,name=value}, one option set
     * each, a method may have several) into option sets by method, in the order given; shared by
     * {@code compare} and {@code bench --methods}.
     *
     * @throws InvalidOptionException for an entry of another form
     */
    static Map<String, List<Map<String, String>>> parseSets(List<String> entries) {
        Map<String, List<Map<String, String>>> optionSets = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new InvalidOptionException("--method-options entry '" + entry
                        + "' is not of the form method:name=value,name=value");
            }
            Map<String, String> set = new LinkedHashMap<>();
            for (String pair : entry.substring(colon + 1).split(",")) {
                String[] kv = pair.split("=", 2);
                if (kv.length != 2) {
                    throw new InvalidOptionException("--method-options: '" + pair + "' is not name=value");
                }
                set.put(kv[0].trim(), kv[1].trim());
            }
            optionSets.computeIfAbsent(entry.substring(0, colon).trim(), k -> new ArrayList<>()).add(set);
        }
        return optionSets;
    }
}
