package dev.peft4j.harness.report;

import dev.peft4j.api.PeftException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Everything one finished training run reports: its configuration, the validation metrics per
 * epoch, the best headline value, cost (trainable parameters, exported prompt size, time, memory)
 * and the environment. Stored as one JSON file per run ({@link RunResultJson}); build one with
 * {@link #builder()}.
 *
 * @param runId stable id of the run's configuration (file name of its JSON)
 * @param methodId the reparameterizer plugin id, for example {@code residual-prompt}
 * @param taskId the task id, for example {@code cb}
 * @param settings a readable label of the settings other than task and seed (prompt length,
 *     learning rate, method options); runs differing only in seed share it and are averaged
 * @param seed the random seed
 * @param promptLength number of soft-prompt tokens
 * @param learningRate the prompt's learning rate (the x axis of sensitivity plots)
 * @param learningRates every learning rate by parameter group, for example {@code prompt} and
 *     {@code reparameterizer}
 * @param config the full configuration, as strings
 * @param methodOptions every option of the method as the plugin resolved it, defaults included,
 *     so a later change of a default cannot change what the run means (empty in results written
 *     before it was recorded); {@code config} holds only the options given
 * @param metric the headline metric id the best value refers to
 * @param epochs validation metrics per epoch
 * @param bestMetric the best headline value over epochs, in [0, 1]
 * @param bestEpoch the epoch of {@code bestMetric}
 * @param trainableParameters number of trained parameters (prompt, reparameterizer, head)
 * @param exportedPromptParameters number of values in the exported prompt ({@code n * d})
 * @param wallTimeSeconds wall-clock time of the run, over every process that worked on it (a resumed
 *                        run adds the time spent before it stopped)
 * @param peakMemoryBytes peak resident memory (native plus heap) during the run, including the
 *     backbone already loaded; on Linux the peak is reset when each run starts, elsewhere it is
 *     the process's largest so far
 * @param environment where the run ran
 * @param majorityClassMetric the headline metric of always answering the evaluation split's most
 *     frequent label, in [0, 1]; null for results written before it was recorded and for tasks
 *     without fixed labels
 */
public record RunResult(
        String runId,
        String methodId,
        String taskId,
        String settings,
        long seed,
        int promptLength,
        double learningRate,
        Map<String, Double> learningRates,
        Map<String, String> config,
        Map<String, String> methodOptions,
        String metric,
        List<EpochMetrics> epochs,
        double bestMetric,
        int bestEpoch,
        long trainableParameters,
        long exportedPromptParameters,
        double wallTimeSeconds,
        long peakMemoryBytes,
        RunEnvironment environment,
        @Nullable Double majorityClassMetric) {

    /** Checks required components and copies the collections. */
    public RunResult {
        require(runId, "runId");
        require(methodId, "methodId");
        require(taskId, "taskId");
        require(settings, "settings");
        require(metric, "metric");
        require(environment, "environment");
        learningRates = Collections.unmodifiableMap(new LinkedHashMap<>(orEmpty(learningRates)));
        config = Collections.unmodifiableMap(new LinkedHashMap<>(orEmpty(config)));
        methodOptions = Collections.unmodifiableMap(new LinkedHashMap<>(orEmpty(methodOptions)));
        epochs = epochs == null ? List.of() : List.copyOf(epochs);
    }

    private static void require(@Nullable Object value, String name) {
        if (value == null) {
            throw new PeftException("Run result is missing '" + name + "'.");
        }
    }

    private static <K, V> Map<K, V> orEmpty(@Nullable Map<K, V> map) {
        return map == null ? Map.of() : map;
    }

    /**
     * The headline value of the last epoch that was evaluated: the score of the prompt training
     * ended with, free of any selection on the validation split ({@link EpochSelection#LAST}). A
     * result without evaluated epochs (one written by hand with only its best value) has no other
     * score than {@link #bestMetric()}, which is returned.
     */
    public double lastMetric() {
        return lastEvaluated().map(epoch -> epoch.metrics().get(metric)).orElse(bestMetric);
    }

    /** The epoch of {@link #lastMetric()}: the last evaluated one, else {@link #bestEpoch()}. */
    public int lastEpoch() {
        return lastEvaluated().map(EpochMetrics::epoch).orElse(bestEpoch);
    }

    /**
     * The mean training loss of the epoch of {@link #lastMetric()}; NaN for a run evaluated
     * without training (n = 0) or without evaluated epochs.
     */
    public double lastTrainLoss() {
        return lastEvaluated().map(EpochMetrics::trainLoss).orElse(Double.NaN);
    }

    private Optional<EpochMetrics> lastEvaluated() {
        for (int i = epochs.size() - 1; i >= 0; i--) {
            if (epochs.get(i).metrics().containsKey(metric)) {
                return Optional.of(epochs.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * The keys whose values differ between two run configurations, one missing in either counting
     * (a {@code data} fingerprint absent from a result written before fingerprints, say), sorted.
     */
    public static List<String> configDifferences(Map<String, String> config, Map<String, String> other) {
        TreeSet<String> keys = new TreeSet<>(config.keySet());
        keys.addAll(other.keySet());
        keys.removeIf(key -> Objects.equals(config.get(key), other.get(key)));
        return List.copyOf(keys);
    }

    /** A builder: {@code set*} settings are required, {@code opt*} optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link RunResult}. */
    public static final class Builder {
        private @Nullable String runId;
        private @Nullable String methodId;
        private @Nullable String taskId;
        private String settings = "";
        private long seed;
        private int promptLength;
        private double learningRate;
        private final Map<String, Double> learningRates = new LinkedHashMap<>();
        private final Map<String, String> config = new LinkedHashMap<>();
        private final Map<String, String> methodOptions = new LinkedHashMap<>();
        private @Nullable String metric;
        private final List<EpochMetrics> epochs = new ArrayList<>();
        private double bestMetric = Double.NaN;
        private int bestEpoch;
        private long trainableParameters;
        private long exportedPromptParameters;
        private double wallTimeSeconds;
        private long peakMemoryBytes;
        private @Nullable RunEnvironment environment;
        private @Nullable Double majorityClassMetric;

        private Builder() {}

        /** Sets the run id (required). */
        public Builder setRunId(String runId) {
            this.runId = runId;
            return this;
        }

        /** Sets the method id (required). */
        public Builder setMethodId(String methodId) {
            this.methodId = methodId;
            return this;
        }

        /** Sets the task id (required). */
        public Builder setTaskId(String taskId) {
            this.taskId = taskId;
            return this;
        }

        /** Sets the headline metric id (required). */
        public Builder setMetric(String metric) {
            this.metric = metric;
            return this;
        }

        /** Sets the seed (required). */
        public Builder setSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Sets the settings label (default empty). */
        public Builder optSettings(String settings) {
            this.settings = settings;
            return this;
        }

        /** Sets the prompt length. */
        public Builder optPromptLength(int promptLength) {
            this.promptLength = promptLength;
            return this;
        }

        /** Sets the prompt's learning rate and records it as group {@code prompt}. */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            learningRates.putIfAbsent("prompt", learningRate);
            return this;
        }

        /** Records the learning rate of one parameter group. */
        public Builder optLearningRate(String group, double learningRate) {
            learningRates.put(group, learningRate);
            return this;
        }

        /** Adds configuration entries. */
        public Builder optConfig(Map<String, String> entries) {
            config.putAll(entries);
            return this;
        }

        /** Sets the method's options as resolved by its plugin, defaults included. */
        public Builder optMethodOptions(Map<String, String> options) {
            methodOptions.clear();
            methodOptions.putAll(options);
            return this;
        }

        /**
         * Adds one epoch's metrics; the best headline value and its epoch follow automatically
         * unless set with {@link #optBest}.
         */
        public Builder addEpoch(EpochMetrics epoch) {
            epochs.add(epoch);
            return this;
        }

        /** Sets the best headline value and its epoch explicitly. */
        public Builder optBest(double bestMetric, int bestEpoch) {
            this.bestMetric = bestMetric;
            this.bestEpoch = bestEpoch;
            return this;
        }

        /** Sets the number of trainable parameters. */
        public Builder optTrainableParameters(long trainableParameters) {
            this.trainableParameters = trainableParameters;
            return this;
        }

        /** Sets the number of values in the exported prompt. */
        public Builder optExportedPromptParameters(long exportedPromptParameters) {
            this.exportedPromptParameters = exportedPromptParameters;
            return this;
        }

        /** Sets the wall time in seconds. */
        public Builder optWallTimeSeconds(double wallTimeSeconds) {
            this.wallTimeSeconds = wallTimeSeconds;
            return this;
        }

        /** Sets the peak memory in bytes. */
        public Builder optPeakMemoryBytes(long peakMemoryBytes) {
            this.peakMemoryBytes = peakMemoryBytes;
            return this;
        }

        /** Sets the environment (default: the current one on the CPU). */
        public Builder optEnvironment(RunEnvironment environment) {
            this.environment = environment;
            return this;
        }

        /** Sets the headline metric of always answering the evaluation split's most frequent label. */
        public Builder optMajorityClassMetric(double majorityClassMetric) {
            this.majorityClassMetric = majorityClassMetric;
            return this;
        }

        /**
         * Builds the result.
         *
         * @throws PeftException if a required setting is missing or no best value is known
         */
        public RunResult build() {
            String headline = Objects.requireNonNull(metric, "setMetric is required");
            double best = bestMetric;
            int epochOfBest = bestEpoch;
            if (Double.isNaN(best)) {
                for (EpochMetrics epoch : epochs) {
                    Double value = epoch.metrics().get(headline);
                    if (value != null && (Double.isNaN(best) || value > best)) {
                        best = value;
                        epochOfBest = epoch.epoch();
                    }
                }
            }
            if (Double.isNaN(best)) {
                throw new PeftException("Run '" + runId + "' has no value of its metric '" + headline
                        + "': add epochs holding it or call optBest.");
            }
            RunEnvironment env = environment != null ? environment : RunEnvironment.current("cpu()");
            return new RunResult(Objects.requireNonNull(runId, "setRunId is required"),
                    Objects.requireNonNull(methodId, "setMethodId is required"),
                    Objects.requireNonNull(taskId, "setTaskId is required"),
                    settings, seed, promptLength, learningRate, learningRates, config, methodOptions, headline, epochs,
                    best, epochOfBest, trainableParameters, exportedPromptParameters, wallTimeSeconds,
                    peakMemoryBytes, env, majorityClassMetric);
        }
    }
}
