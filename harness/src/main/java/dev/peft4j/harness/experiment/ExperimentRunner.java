package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.report.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the pending runs of one shard of a grid and saves each result as soon as it is done, so a
 * grid can be stopped and started again, or spread over machines with {@link Shard}s writing into
 * one or several {@link ResultsFolder}s. A run that diverges is recorded as such and the grid
 * goes on; any other failure stops the grid, with every earlier result already saved. Each run is
 * locked while it trains ({@link RunLock}): runners sharing a folder, in one process or several,
 * skip a run another one is training and go on with the next, so each run is trained once.
 */
public final class ExperimentRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ExperimentRunner.class);

    private final ResultsFolder results;

    /** A runner saving into a results folder. */
    public ExperimentRunner(ResultsFolder results) {
        this.results = Objects.requireNonNull(results, "results");
    }

    /**
     * Checks every run of the grid (every shard, finished runs too) before anything trains, so a
     * typo in the last cell does not surface after the first cells have trained for hours.
     *
     * @throws PeftException listing each distinct problem once, with how many runs it affects and
     *     one of them
     */
    public static void checkGrid(Grid grid, RunCheck check) {
        List<RunSpec> runs = grid.expand();
        Map<String, List<String>> problems = new LinkedHashMap<>();
        for (RunSpec spec : runs) {
            try {
                check.check(spec);
            } catch (PeftException e) {
                problems.computeIfAbsent(String.valueOf(e.getMessage()), m -> new ArrayList<>()).add(spec.getRunId());
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        int affected = problems.values().stream().mapToInt(List::size).sum();
        StringBuilder message = new StringBuilder("The grid has ").append(problems.size()).append(" problem(s) in ")
                .append(affected).append(" of its ").append(runs.size()).append(" runs; nothing was trained. Fix:");
        problems.forEach((problem, ids) -> message.append("\n  - ").append(problem).append(" (")
                .append(ids.size() == 1 ? "run " + ids.get(0) : ids.size() + " runs, e.g. " + ids.get(0)).append(')'));
        throw new PeftException(message.toString());
    }

    /**
     * Runs every unfinished run of the shard, in run-id order, and saves each result, or records the
     * run as diverged when the executor throws {@link TrainingDivergedException}. A run locked by
     * another runner or process is skipped (it is being trained there). Call {@link #checkGrid}
     * first to refuse a grid with a bad cell before anything trains.
     *
     * @return the results of the runs executed now (finished, diverged and locked ones are not repeated)
     * @throws PeftException if the executor returns a result for another run id
     */
    public List<RunResult> run(Grid grid, Shard shard, RunExecutor executor) {
        List<RunSpec> mine = shard.select(grid.expand());
        List<RunSpec> pending = results.pending(mine);
        LOG.info("Shard {}: {} runs of {} in the grid, {} already finished, {} to run",
                shard, mine.size(), grid.size(), mine.size() - pending.size(), pending.size());
        List<RunResult> done = new ArrayList<>();
        int elsewhere = 0;
        for (RunSpec spec : pending) {
            Optional<RunLock> lock = results.tryLock(spec.getRunId());
            if (lock.isEmpty()) {
                LOG.info("Run {} is being trained by {}; skipping it", spec.getRunId(),
                        RunLock.describeHolder(results.lockFileFor(spec.getRunId())));
                elsewhere++;
                continue;
            }
            try {
                // another process may have finished it since the pending list was made
                if (results.isFinished(spec)) {
                    LOG.info("Run {} was finished by another process meanwhile", spec.getRunId());
                    continue;
                }
                execute(spec, executor).ifPresent(done::add);
            } finally {
                lock.get().close();
            }
        }
        if (elsewhere > 0) {
            LOG.info("Shard {}: {} run(s) were left to the processes training them; run again to pick up any "
                    + "that fail there", shard, elsewhere);
        }
        return done;
    }

    /** Trains one locked run and saves its result, or records it as diverged (then empty). */
    private Optional<RunResult> execute(RunSpec spec, RunExecutor executor) {
        RunResult result;
        try {
            result = executor.execute(spec);
        } catch (TrainingDivergedException e) {
            Path record = results.saveDiverged(spec.diverged(e.getReason()));
            LOG.warn("{} Recorded in {}; the grid goes on (delete that file to run it again).", e.getMessage(), record);
            return Optional.empty();
        }
        if (!result.runId().equals(spec.getRunId())) {
            throw new PeftException("The executor returned a result for run '" + result.runId()
                    + "' when asked for '" + spec.getRunId() + "'; build the result with spec.getRunId().");
        }
        results.save(result);
        return Optional.of(result);
    }
}
