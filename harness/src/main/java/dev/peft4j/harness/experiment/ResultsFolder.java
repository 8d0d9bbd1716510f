package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.report.DivergedRun;
import dev.peft4j.harness.report.EpochSelection;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.report.RunResultJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of finished runs: each is one JSON file named {@code <run id>.json}, written
 * atomically when the run ends, so running a grid again skips what is finished and an
 * interrupted run leaves no file. Runs that diverged are recorded in the subfolder
 * {@value #DIVERGED} as {@code <run id>.json} ({@link DivergedRun}) and count as done too. A
 * run being trained has a lock file {@code <run id>.lock} ({@link RunLock}), so processes sharing
 * the folder split the runs.
 */
public final class ResultsFolder {

    private static final Logger LOG = LoggerFactory.getLogger(ResultsFolder.class);

    /** The subfolder of runs that diverged. */
    public static final String DIVERGED = "diverged";

    /** Files in a results folder that are not run results: a report's summaries written beside them. */
    private static final List<String> NOT_RESULTS = Arrays.stream(EpochSelection.values())
            .map(selection -> selection.fileStem() + ".json").toList();

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

    /** The record of a run that diverged. */
    public Path divergedFileFor(String runId) {
        return folder.resolve(DIVERGED).resolve(runId + ".json");
    }

    /** The lock file of a run, present while a process trains it. */
    public Path lockFileFor(String runId) {
        return folder.resolve(runId + ".lock");
    }

    /**
     * Locks a run for this runner while it trains it.
     *
     * @return the lock (close it when the run ends or fails), or empty when another process or
     *     runner holds it, see {@link RunLock#describeHolder}
     */
    public Optional<RunLock> tryLock(String runId) {
        return RunLock.tryAcquire(lockFileFor(runId));
    }

    /**
     * Whether a run is finished: its file exists and is a readable result of that run, or it is
     * recorded as diverged (the same settings and seed would diverge again; delete the record to
     * retry). A broken result file is logged and counts as unfinished, so the run is repeated and
     * the file replaced.
     */
    public boolean isFinished(RunSpec spec) {
        if (Files.isRegularFile(divergedFileFor(spec.getRunId()))) {
            return true;
        }
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

    /** Records a run that diverged as {@code diverged/<run id>.json}. */
    public Path saveDiverged(DivergedRun run) {
        Path file = divergedFileFor(run.runId());
        run.write(file);
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
     * Every run result in one or more folders (files ending in {@code .json}, a report's
     * {@code summary.json} and {@code summary-last-epoch.json} excepted), for merging the results
     * of several shards into one report. A run id found twice keeps its first file, with a warning.
     *
     * @throws PeftException naming the file when one cannot be read, or a folder that is missing
     */
    public static List<RunResult> readAll(List<Path> folders) {
        return readEach(folders, RunResultJson::read, RunResult::runId);
    }

    /** Every diverged-run record in this folder's {@value #DIVERGED} subfolder. */
    public List<DivergedRun> readDiverged() {
        return readDiverged(List.of(folder));
    }

    /**
     * Every diverged-run record in the {@value #DIVERGED} subfolders of one or more results
     * folders (a folder without one has none). A run id found twice keeps its first file.
     *
     * @throws PeftException naming the file when one cannot be read, or a folder that is missing
     */
    public static List<DivergedRun> readDiverged(List<Path> folders) {
        List<Path> existing = new ArrayList<>();
        for (Path folder : folders) {
            requireFolder(folder);
            if (Files.isDirectory(folder.resolve(DIVERGED))) {
                existing.add(folder.resolve(DIVERGED));
            }
        }
        return readEach(existing, DivergedRun::read, DivergedRun::runId);
    }

    private static void requireFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new PeftException("Results folder " + folder + " does not exist; check the path.");
        }
    }

    private static <T> List<T> readEach(List<Path> folders, Function<Path, T> reader, Function<T, String> id) {
        Map<String, T> records = new LinkedHashMap<>();
        Map<String, Path> origins = new LinkedHashMap<>();
        for (Path folder : folders) {
            requireFolder(folder);
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
                T record = reader.apply(file);
                Path first = origins.putIfAbsent(id.apply(record), file);
                if (first == null) {
                    records.put(id.apply(record), record);
                } else {
                    LOG.warn("Run {} is in both {} and {}; keeping the first", id.apply(record), first, file);
                }
            }
        }
        return new ArrayList<>(records.values());
    }
}
