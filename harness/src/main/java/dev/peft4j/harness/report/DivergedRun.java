package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run whose training loss became NaN or infinite. It has no scores, but it is a result of its
 * settings (a learning rate too high for a method), so a grid records it and goes on, and
 * reports count it beside the seeds that finished instead of silently averaging fewer runs.
 *
 * @param runId stable id of the run's configuration
 * @param methodId the method
 * @param taskId the task
 * @param settings the settings label shared with the run's finished seeds
 * @param seed the random seed
 * @param reason what happened, as the training loop reported it (loss, epoch, step)
 * @param config the full configuration, as strings
 */
public record DivergedRun(
        String runId,
        String methodId,
        String taskId,
        String settings,
        long seed,
        String reason,
        Map<String, String> config) {

    /** Checks required components and copies the configuration. */
    public DivergedRun {
        for (Object component : new Object[] {runId, methodId, taskId, settings, reason}) {
            if (component == null) {
                throw new PeftException("Diverged-run record is missing its id, method, task, settings or reason.");
            }
        }
        config = Collections.unmodifiableMap(new TreeMap<>(config == null ? Map.of() : config));
    }

    /** Writes the record atomically as pretty-printed JSON. */
    public void write(Path file) {
        RunResultJson.writeFile(file, this, "diverged-run record");
    }

    /**
     * Reads a record written by {@link #write}.
     *
     * @throws PeftException naming the file when it cannot be read
     */
    public static DivergedRun read(Path file) {
        return RunResultJson.readFile(file, DivergedRun.class, "diverged-run record",
                "Delete the file to run that configuration again.");
    }
}
