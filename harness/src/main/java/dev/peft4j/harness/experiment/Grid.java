package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment grid: methods (each with one or more option sets) × tasks × seeds × prompt
 * lengths × learning rates, plus settings shared by every run. {@link #expand()} lists the runs
 * in a fixed order (method, option set, task, prompt length, learning rate, seed).
 *
 * <pre>{@code
 * Grid grid = Grid.builder()
 *         .addMethod("prompt-tuning")
 *         .addMethod("residual-prompt", List.of(Map.of("bottleneck", "400"), Map.of("bottleneck", "100")))
 *         .setTasks(List.of("cb", "rte"))
 *         .setSeeds(List.of(1L, 2L, 3L))
 *         .setPromptLengths(List.of(10))
 *         .setLearningRates(List.of(0.3))
 *         .optShared(Map.of("epochs", "20"))
 *         .build();
 * }</pre>
 */
public final class Grid {

    private final Map<String, List<Map<String, String>>> methods;
    private final List<String> tasks;
    private final List<Long> seeds;
    private final List<Integer> promptLengths;
    private final List<Double> learningRates;
    private final Map<String, String> shared;
    private final Map<String, String> dataFingerprints;

    private Grid(Builder b) {
        this.methods = new LinkedHashMap<>(b.methods);
        this.tasks = List.copyOf(b.tasks);
        this.seeds = List.copyOf(b.seeds);
        this.promptLengths = List.copyOf(b.promptLengths);
        this.learningRates = List.copyOf(b.learningRates);
        this.shared = Map.copyOf(b.shared);
        this.dataFingerprints = Map.copyOf(b.dataFingerprints);
        require(!methods.isEmpty(), "no methods", "addMethod");
        require(!tasks.isEmpty(), "no tasks", "setTasks");
        require(!seeds.isEmpty(), "no seeds", "setSeeds");
        require(!promptLengths.isEmpty(), "no prompt lengths", "setPromptLengths");
        require(!learningRates.isEmpty(), "no learning rates", "setLearningRates");
    }

    private static void require(boolean ok, String what, String fix) {
        if (!ok) {
            throw new PeftException("The grid has " + what + "; give at least one with " + fix + ".");
        }
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The number of runs {@link #expand()} gives. */
    public int size() {
        int optionSets = methods.values().stream().mapToInt(List::size).sum();
        return optionSets * tasks.size() * seeds.size() * promptLengths.size() * learningRates.size();
    }

    /**
     * Every run of the grid, in a fixed order.
     *
     * @throws PeftException if two runs get the same id (a value listed twice)
     */
    public List<RunSpec> expand() {
        List<RunSpec> runs = new ArrayList<>(size());
        Map<String, RunSpec> ids = new HashMap<>();
        methods.forEach((method, optionSets) -> {
            for (Map<String, String> options : optionSets) {
                for (String task : tasks) {
                    for (int length : promptLengths) {
                        for (double rate : learningRates) {
                            for (long seed : seeds) {
                                RunSpec spec = new RunSpec(method, task, seed, length, rate, options, shared,
                                        dataFingerprints.getOrDefault(task, ""));
                                RunSpec previous = ids.putIfAbsent(spec.getRunId(), spec);
                                if (previous != null) {
                                    throw new PeftException("The grid lists run " + spec.getRunId()
                                            + " twice; remove the repeated value (seed, task, length, rate or option set).");
                                }
                                runs.add(spec);
                            }
                        }
                    }
                }
            }
        });
        return runs;
    }

    /** Builds a {@link Grid}; every list is required (at least one value). */
    public static final class Builder {
        private final Map<String, List<Map<String, String>>> methods = new LinkedHashMap<>();
        private List<String> tasks = List.of();
        private List<Long> seeds = List.of();
        private List<Integer> promptLengths = List.of();
        private List<Double> learningRates = List.of();
        private Map<String, String> shared = Map.of();
        private Map<String, String> dataFingerprints = Map.of();

        private Builder() {}

        /** Adds a method with its default options. */
        public Builder addMethod(String methodId) {
            return addMethod(methodId, List.of(Map.of()));
        }

        /** Adds a method with option sets; each set gives its own runs. */
        public Builder addMethod(String methodId, List<Map<String, String>> optionSets) {
            if (optionSets.isEmpty()) {
                throw new PeftException("Method '" + methodId + "' has no option sets; pass List.of(Map.of()) for its defaults.");
            }
            List<Map<String, String>> copies = new ArrayList<>();
            optionSets.forEach(o -> copies.add(Map.copyOf(o)));
            methods.merge(methodId, copies, (a, b) -> {
                List<Map<String, String>> all = new ArrayList<>(a);
                all.addAll(b);
                return all;
            });
            return this;
        }

        /** Sets the task ids. */
        public Builder setTasks(List<String> tasks) {
            this.tasks = tasks;
            return this;
        }

        /** Sets the seeds. */
        public Builder setSeeds(List<Long> seeds) {
            this.seeds = seeds;
            return this;
        }

        /** Sets the prompt lengths. */
        public Builder setPromptLengths(List<Integer> promptLengths) {
            this.promptLengths = promptLengths;
            return this;
        }

        /** Sets the prompt learning rates. */
        public Builder setLearningRates(List<Double> learningRates) {
            this.learningRates = learningRates;
            return this;
        }

        /** Sets settings shared by every run (epochs, batch size, backbone, ...); part of each run id. */
        public Builder optShared(Map<String, String> shared) {
            this.shared = shared;
            return this;
        }

        /**
         * Sets each task's data fingerprint ({@code DataFingerprint.of(...)}), by task id; part of
         * its runs' ids, so finished runs of other data are not skipped.
         */
        public Builder optDataFingerprints(Map<String, String> dataFingerprints) {
            this.dataFingerprints = dataFingerprints;
            return this;
        }

        /** Builds the grid. */
        public Grid build() {
            return new Grid(this);
        }
    }
}
