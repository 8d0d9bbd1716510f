package dev.peft4j.harness.cli;

import dev.peft4j.api.PeftException;
import dev.peft4j.server.ServerSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** How the prediction service batches and limits requests; shared by {@code serve} and {@code bench-serve}. */
final class ServingOptions {

    @Option(names = "--max-batch", defaultValue = "32",
            description = "Most rows per predictor call, gathered from concurrent requests (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-wait-ms", defaultValue = "5",
            description = "How long a batch waits for more requests before it runs not full (default: ${DEFAULT-VALUE}).")
    long maxWaitMillis;

    @Option(names = "--queue", defaultValue = "1024",
            description = "Most requests waiting; past it, 503 with Retry-After (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--max-body-kb", defaultValue = "1024",
            description = "Largest request body in KiB, else 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyKb;

    @Option(names = "--max-items", defaultValue = "256",
            description = "Most items in one request, else 400 (default: ${DEFAULT-VALUE}).")
    int maxItems;

    @Option(names = "--drain-seconds", defaultValue = "10",
            description = "How long stopping waits for requests in flight (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    /** The settings of these options; host, port and batching are the command's. */
    ServerSettings.Builder settings() {
        return ServerSettings.builder().optMaxBatch(maxBatch).optMaxWait(Duration.ofMillis(maxWaitMillis))
                .optQueueCapacity(queue).optMaxBodyBytes(Math.multiplyExact(maxBodyKb, 1024)).optMaxItems(maxItems)
                .optDrainTimeout(Duration.ofSeconds(drainSeconds));
    }

    /**
     * The export folders of {@code --prompts}, by task name: {@code DIR} serves the folder under its
     * own name, {@code NAME=DIR} under {@code NAME}.
     */
    static Map<String, Path> exports(List<String> prompts) {
        Map<String, Path> exports = new LinkedHashMap<>();
        for (String entry : prompts) {
            int equals = entry.indexOf('=');
            Path folder = Path.of(equals < 0 ? entry : entry.substring(equals + 1));
            Path fileName = folder.toAbsolutePath().normalize().getFileName();
            String name = equals < 0 ? (fileName == null ? "" : fileName.toString()) : entry.substring(0, equals);
            if (!Files.isDirectory(folder)) {
                throw new PeftException("--prompts: " + folder + " is not a folder; give export folders written by "
                        + "'peft4j train --export-dir' (or 'peft4j export').");
            }
            if (name.isBlank()) {
                throw new PeftException("--prompts: no task name for " + entry + "; write NAME=DIR.");
            }
            Path previous = exports.putIfAbsent(name, folder);
            if (previous != null) {
                throw new PeftException("--prompts: two exports would serve the task '" + name + "' (" + previous
                        + " and " + folder + "); name them apart with NAME=DIR.");
            }
        }
        if (exports.isEmpty()) {
            throw new PeftException("--prompts: no export folder given.");
        }
        return exports;
    }
}
