package dev.peft4j.harness.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Mean and standard deviation over seeds of each run's headline metric, per (method, settings)
 * row and task column, with an Average column, like the tables of the prompt-tuning papers. Each
 * run is scored by its best epoch, as those papers do, or by its last ({@link EpochSelection}).
 * Values are shown in percent; the header of each task column names its metric. The standard
 * deviation is the sample one (n - 1), 0 for a single seed. The Average is the mean of a row's
 * task means, and only shown when the row has every task. Runs that diverged ({@link DivergedRun})
 * have no score: they are counted beside their cell, never averaged in.
 */
public final class ResultSummary {

    /** SuperGLUE's task order; other tasks follow alphabetically. */
    private static final List<String> KNOWN_ORDER =
            List.of("boolq", "cb", "copa", "multirc", "record", "rte", "wic", "wsc");

    private final EpochSelection selection;
    private final List<String> tasks;
    private final Map<String, String> taskMetrics;
    private final List<Row> rows;

    /**
     * One task cell of a row.
     *
     * @param metric the headline metric id
     * @param mean mean over seeds, in [0, 1]
     * @param std sample standard deviation over seeds
     * @param seeds the seeds averaged, ascending
     * @param values each seed's score, in the order of {@code seeds}, in [0, 1]
     */
    public record Cell(String metric, double mean, double std, List<Long> seeds, List<Double> values) {
        /** Copies the lists. */
        public Cell {
            seeds = List.copyOf(seeds);
            values = List.copyOf(values);
            if (seeds.size() != values.size()) {
                throw new IllegalArgumentException(seeds.size() + " seeds but " + values.size() + " values");
            }
        }

        /** Number of seeds averaged. */
        public int getCount() {
            return seeds.size();
        }
    }

    /**
     * One (method, settings) row.
     *
     * @param methodId the method
     * @param settings the settings label
     * @param cells task id to cell, for the tasks where at least one seed finished
     * @param diverged task id to the seeds that diverged, ascending, for the tasks that have any
     * @param average mean of the task means, null unless every task has a cell
     */
    public record Row(String methodId, String settings, Map<String, Cell> cells, Map<String, List<Long>> diverged,
            @Nullable Double average) {
        /** Copies the maps. */
        public Row {
            cells = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cells));
            Map<String, List<Long>> copy = new LinkedHashMap<>();
            diverged.forEach((task, seeds) -> copy.put(task, List.copyOf(seeds)));
            diverged = java.util.Collections.unmodifiableMap(copy);
        }

        /** Number of runs of a task that diverged. */
        public int divergedCount(String task) {
            return diverged.getOrDefault(task, List.of()).size();
        }
    }

    private ResultSummary(EpochSelection selection, List<String> tasks, Map<String, String> taskMetrics,
            List<Row> rows) {
        this.selection = selection;
        this.tasks = List.copyOf(tasks);
        this.taskMetrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(taskMetrics));
        this.rows = List.copyOf(rows);
    }

    /**
     * Summarizes the best epoch of each run. Rows are sorted by method then settings; task columns
     * follow SuperGLUE's order, then other tasks alphabetically.
     *
     * @throws PeftException if one task's runs disagree on the metric, or a seed appears twice in
     *     one cell
     */
    public static ResultSummary of(List<RunResult> results) {
        return of(results, List.of(), EpochSelection.BEST);
    }

    /**
     * Summarizes results, each run scored by the selected epoch, and counts the runs that diverged
     * beside their cells.
     *
     * @throws PeftException as {@link #of(List)}, or if a run is both finished and diverged
     */
    public static ResultSummary of(List<RunResult> results, List<DivergedRun> diverged, EpochSelection selection) {
        if (results.isEmpty() && diverged.isEmpty()) {
            throw new PeftException("No run results to summarize; check the results folders.");
        }
        Comparator<String> taskOrder = taskOrder();
        Map<String, String> metrics = new TreeMap<>(taskOrder);
        Map<List<String>, Map<String, Map<Long, RunResult>>> groups = new TreeMap<>(
                Comparator.<List<String>, String>comparing(k -> k.get(0)).thenComparing(k -> k.get(1)));
        for (RunResult result : results) {
            String known = metrics.putIfAbsent(result.taskId(), result.metric());
            if (known != null && !known.equals(result.metric())) {
                throw new PeftException("Runs of task '" + result.taskId() + "' report different metrics ('"
                        + known + "' and '" + result.metric() + "', run " + result.runId()
                        + "); summarize them separately.");
            }
            Map<Long, RunResult> seeds = groups
                    .computeIfAbsent(List.of(result.methodId(), result.settings()), k -> new LinkedHashMap<>())
                    .computeIfAbsent(result.taskId(), k -> new TreeMap<>());
            RunResult previous = seeds.putIfAbsent(result.seed(), result);
            if (previous != null) {
                throw new PeftException("Runs " + previous.runId() + " and " + result.runId()
                        + " have the same method, settings, task and seed (" + result.seed()
                        + ") but differ in " + RunResult.configDifferences(previous.config(), result.config())
                        + " ('data' is the data's fingerprint); report them separately or remove one of them.");
            }
        }
        Map<List<String>, Map<String, Map<Long, DivergedRun>>> failed = new LinkedHashMap<>();
        TreeSet<String> taskSet = new TreeSet<>(taskOrder);
        taskSet.addAll(metrics.keySet());
        for (DivergedRun run : diverged) {
            List<String> key = List.of(run.methodId(), run.settings());
            RunResult finished = groups.getOrDefault(key, Map.of()).getOrDefault(run.taskId(), Map.of()).get(run.seed());
            DivergedRun previous = failed.computeIfAbsent(key, k -> new LinkedHashMap<>())
                    .computeIfAbsent(run.taskId(), k -> new TreeMap<>()).putIfAbsent(run.seed(), run);
            if (finished != null || previous != null) {
                throw new PeftException("Run " + run.runId() + " is recorded as diverged, but "
                        + (finished != null ? "run " + finished.runId() + " finished" : "so is run " + previous.runId())
                        + " with the same method, settings, task and seed (" + run.seed() + "); remove one of them.");
            }
            groups.computeIfAbsent(key, k -> new LinkedHashMap<>());
            taskSet.add(run.taskId());
        }
        List<String> tasks = new ArrayList<>(taskSet);
        List<Row> rows = new ArrayList<>();
        groups.forEach((key, byTask) -> {
            Map<String, Cell> cells = new LinkedHashMap<>();
            for (String task : tasks) {
                Map<Long, RunResult> seeds = byTask.get(task);
                if (seeds != null) {
                    double[] values = seeds.values().stream().mapToDouble(selection::score).toArray();
                    cells.put(task, new Cell(metrics.get(task), mean(values), std(values),
                            new ArrayList<>(seeds.keySet()), Arrays.stream(values).boxed().toList()));
                }
            }
            Map<String, List<Long>> divergedSeeds = new LinkedHashMap<>();
            Map<String, Map<Long, DivergedRun>> failedTasks = failed.getOrDefault(key, Map.of());
            for (String task : tasks) {
                if (failedTasks.containsKey(task)) {
                    divergedSeeds.put(task, new ArrayList<>(failedTasks.get(task).keySet()));
                }
            }
            Double average = null;
            if (cells.size() == tasks.size()) {
                average = cells.values().stream().mapToDouble(Cell::mean).average().orElseThrow();
            }
            rows.add(new Row(key.get(0), key.get(1), cells, divergedSeeds, average));
        });
        return new ResultSummary(selection, tasks, metrics, rows);
    }

    /** SuperGLUE's task order, then other tasks alphabetically. */
    static Comparator<String> taskOrder() {
        return Comparator.comparing(ResultSummary::taskRank).thenComparing(Comparator.naturalOrder());
    }

    private static int taskRank(String task) {
        int index = KNOWN_ORDER.indexOf(task);
        return index < 0 ? KNOWN_ORDER.size() : index;
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    static double std(double[] values) {
        if (values.length < 2) {
            return 0.0;
        }
        double mean = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    /** Which epoch scores each run. */
    public EpochSelection getSelection() {
        return selection;
    }

    /** The task columns, in order. */
    public List<String> getTasks() {
        return tasks;
    }

    /** Task id to its headline metric id. */
    public Map<String, String> getTaskMetrics() {
        return taskMetrics;
    }

    /** The rows, sorted by method then settings. */
    public List<Row> getRows() {
        return rows;
    }

    private String header(String task) {
        String metric = taskMetrics.get(task);
        return metric == null ? task : task + " (" + metric + ")";
    }

    /** A value in [0, 1] in percent with one decimal. */
    static String percent(double value) {
        return String.format(Locale.ROOT, "%.1f", 100 * value);
    }

    /**
     * The table as Markdown: {@code 71.2 ± 1.3} cells in percent, {@code –} where missing. A cell
     * averaging fewer seeds than the table's fullest cell says so: {@code 62.0 ± 2.8 (n=2)}, or
     * {@code 50.0 (n=1)} for a single run, which has no spread; runs that diverged are counted:
     * {@code 62.0 ± 2.8 (n=2, 1 diverged)}, {@code – (3 diverged)}.
     */
    public String toMarkdown() {
        int seeds = 0;
        for (Row row : rows) {
            for (String task : tasks) {
                Cell cell = row.cells().get(task);
                seeds = Math.max(seeds, (cell == null ? 0 : cell.getCount()) + row.divergedCount(task));
            }
        }
        StringBuilder out = new StringBuilder("| Method | Settings |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (String task : tasks) {
            out.append(' ').append(header(task)).append(" |");
            rule.append("---:|");
        }
        out.append(" Average |\n").append(rule).append("---:|\n");
        for (Row row : rows) {
            out.append("| ").append(row.methodId()).append(" | ").append(row.settings()).append(" |");
            for (String task : tasks) {
                out.append(' ').append(markdown(row.cells().get(task), row.divergedCount(task), seeds)).append(" |");
            }
            out.append(' ').append(row.average() == null ? "–" : percent(row.average())).append(" |\n");
        }
        return out.toString();
    }

    private static String markdown(@Nullable Cell cell, int diverged, int seeds) {
        List<String> notes = new ArrayList<>();
        String value = "–";
        if (cell != null) {
            value = cell.getCount() == 1 ? percent(cell.mean()) : percent(cell.mean()) + " ± " + percent(cell.std());
            if (cell.getCount() < seeds) {
                notes.add("n=" + cell.getCount());
            }
        }
        if (diverged > 0) {
            notes.add(diverged + " diverged");
        }
        return notes.isEmpty() ? value : value + " (" + String.join(", ", notes) + ")";
    }

    /**
     * The table as CSV: {@code method,settings}, then per task {@code <task>_<metric>_mean},
     * {@code _std}, {@code _n} (percent, two decimals; empty where missing) and
     * {@code _diverged} (runs without a score), then {@code average}.
     */
    public String toCsv() {
        StringBuilder out = new StringBuilder("method,settings");
        for (String task : tasks) {
            String metric = taskMetrics.get(task);
            String prefix = metric == null ? task : task + "_" + metric;
            out.append(',').append(prefix).append("_mean,").append(prefix).append("_std,").append(prefix).append("_n,")
                    .append(prefix).append("_diverged");
        }
        out.append(",average\n");
        for (Row row : rows) {
            out.append(csv(row.methodId())).append(',').append(csv(row.settings()));
            for (String task : tasks) {
                Cell cell = row.cells().get(task);
                if (cell == null) {
                    out.append(",,,");
                } else {
                    out.append(',').append(twoDecimals(cell.mean())).append(',').append(twoDecimals(cell.std()))
                            .append(',').append(cell.getCount());
                }
                out.append(',').append(row.divergedCount(task));
            }
            out.append(',').append(row.average() == null ? "" : twoDecimals(row.average())).append('\n');
        }
        return out.toString();
    }

    /** A value in [0, 1] in percent with two decimals. */
    static String twoDecimals(double value) {
        return String.format(Locale.ROOT, "%.2f", 100 * value);
    }

    static String csv(String value) {
        if (value.contains(",") || value.contains("\"") || value.contains("\n")) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }

    /**
     * The summary as JSON: the epoch selection, tasks with their metrics, and rows with raw values
     * in [0, 1], each seed's among them.
     */
    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("selection", selection.id());
        root.put("taskMetrics", taskMetrics);
        root.put("rows", rows);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();
        return gson.toJson(root);
    }

    /**
     * Writes the Markdown, CSV and JSON forms into a folder as {@code summary.*} for the best
     * epoch and {@code summary-last-epoch.*} for the last, each replaced atomically (shards
     * finishing together may report into one folder).
     */
    public void write(Path folder) {
        String stem = selection.fileStem();
        try {
            AtomicFiles.write(folder.resolve(stem + ".md"), toMarkdown().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(folder.resolve(stem + ".csv"), toCsv().getBytes(StandardCharsets.UTF_8));
            AtomicFiles.write(folder.resolve(stem + ".json"), (toJson() + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PeftException("Cannot write the summary into " + folder + ": " + e.getMessage(), e);
        }
    }
}
