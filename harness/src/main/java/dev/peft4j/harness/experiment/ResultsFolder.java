package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of finished runs: each is one JSON file named {@code <run id>.json}, written
 * atomically when the run ends, so running a grid again skips what is finished and an
 * interrupted run leaves no file.
 */
public final class ResultsFolder {

    private static final Logger LOG = LoggerFactory.getLogger(ResultsFolder.class);

    /** Files in a results folder that are not run results. */
    private static final List<String> NOT_RESULTS = List.of("summary.json");

    private final Path folder;

    /** A results folder (created when the first result is saved). */
    public ResultsFolder(Path folder) {
        this.folder = Objects.requireNonNull(folder, "folder");
    }

    /** The folder. */
    public Path getFolder() {
        return folder;
    }

    /** The result file of a run. */
    public Path fileFor(String runId) {
        return folder.resolve(runId + ".json");
    }

    /**
     * Whether a run is finished: its file exists and is a readable result of that run. A broken
     * file is logged and counts as unfinished, so the run is repeated and the file replaced.
     */
    public boolean isFinished(RunSpec spec) {
        Path file = fileFor(spec.getRunId());
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            RunResult result = RunResultJson.read(file);
            if (!result.runId().equals(spec.getRunId())) {
                LOG.warn("{} holds run {}, not {}; the run will be repeated", file, result.runId(), spec.getRunId());
                return false;
            }
            return true;
        } catch (PeftException e) {
            LOG.warn("{}; the run will be repeated", e.getMessage());
            return false;
        }
    }

    /** The runs not finished yet, in the given order. */
    public List<RunSpec> pending(List<RunSpec> runs) {
        List<RunSpec> pending = new ArrayList<>();
        for (RunSpec run : runs) {
            if (!isFinished(run)) {
                pending.add(run);
            }
        }
        return pending;
    }

    /** Saves a finished run's result as {@code <run id>.json}. */
    public Path save(RunResult result) {
        Path file = fileFor(result.runId());
        RunResultJson.write(file, result);
        return file;
    }

    /**
     * Every run result in this folder.
     *
     * @throws PeftException naming the file when one cannot be read
     */
    public List<RunResult> readAll() {
        return readAll(List.of(folder));
    }

    /**
     * Every run result in one or more folders (files ending in {@code .json}, {@code summary.json}
     * excepted), for merging the results of several shards into one report. A run id found twice
     * keeps its first file, with a warning.
     *
     * @throws PeftException naming the file when one cannot be read, or a folder that is missing
     */
    public static List<RunResult> readAll(List<Path> folders) {
        Map<String, RunResult> results = new LinkedHashMap<>();
        Map<String, Path> origins = new LinkedHashMap<>();
        for (Path folder : folders) {
            if (!Files.isDirectory(folder)) {
                throw new PeftException("Results folder " + folder + " does not exist; check the path.");
            }
            List<Path> files;
            try (Stream<Path> list = Files.list(folder)) {
                files = list.filter(p -> p.getFileName().toString().endsWith(".json"))
                        .filter(p -> !NOT_RESULTS.contains(p.getFileName().toString()))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList();
            } catch (IOException e) {
                throw new PeftException("Cannot list results folder " + folder + ": " + e.getMessage(), e);
            }
            for (Path file : files) {
                RunResult result = RunResultJson.read(file);
                Path first = origins.putIfAbsent(result.runId(), file);
                if (first == null) {
                    results.put(result.runId(), result);
                } else {
                    LOG.warn("Run {} is in both {} and {}; keeping the first", result.runId(), first, file);
                }
            }
        }
        return new ArrayList<>(results.values());
    }
}
