package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.report.DivergedRun;
import dev.peft4j.harness.report.RunResult;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One run of a {@link Grid}: a method with one option set, a task, a seed, a prompt length and a
 * learning rate, plus the settings shared by the whole grid (epochs, batch size, backbone, ...).
 *
 * <p>Its {@link #getRunId() run id} is readable and stable: the same configuration always gets
 * the same id, on any machine, so a finished run's result file can be recognized and skipped.
 * The configuration includes the {@link #dataFingerprint() data fingerprint} when the spec has
 * one, so the same settings on other data (other files, label field, text fields or labels) are
 * another run: a result or checkpoint is never reused across data.
 *
 * @param methodId the reparameterizer plugin id
 * @param taskId the task id
 * @param seed the random seed
 * @param promptLength number of soft-prompt tokens; 0 for a zero-shot run (a verbalizer head's
 *     template alone, nothing trained)
 * @param learningRate the prompt's learning rate
 * @param methodOptions the method's options (one option set of the grid)
 * @param shared settings shared by every run of the grid
 * @param dataFingerprint the {@code DataFingerprint} of the data the run trains and selects on,
 *     or empty when unknown (results written before fingerprints existed, or a spec built without
 *     one: then the id cannot tell data apart)
 */
public record RunSpec(
        String methodId,
        String taskId,
        long seed,
        int promptLength,
        double learningRate,
        Map<String, String> methodOptions,
        Map<String, String> shared,
        String dataFingerprint) {

    /** The configuration key of the data fingerprint. */
    public static final String DATA = "data";

    /** Checks the components and sorts the maps, so equal configurations are equal records. */
    public RunSpec {
        Objects.requireNonNull(methodId, "methodId");
        Objects.requireNonNull(dataFingerprint, "dataFingerprint");
        Objects.requireNonNull(taskId, "taskId");
        if (promptLength < 0) {
            throw new PeftException("Prompt length must be at least 1 (or 0 for a zero-shot run with a verbalizer "
                    + "head), got " + promptLength + ".");
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new PeftException("Learning rate must be a finite positive number (option --lr, or --lrs of "
                    + "compare), got " + learningRate + ".");
        }
        methodOptions = Collections.unmodifiableMap(new TreeMap<>(methodOptions));
        shared = Collections.unmodifiableMap(new TreeMap<>(shared));
    }

    /** A run without a data fingerprint; give it one with {@link #withDataFingerprint}. */
    public RunSpec(String methodId, String taskId, long seed, int promptLength, double learningRate,
            Map<String, String> methodOptions, Map<String, String> shared) {
        this(methodId, taskId, seed, promptLength, learningRate, methodOptions, shared, "");
    }

    /**
     * This run on the data of the given fingerprint ({@code DataFingerprint.of(...)}); the
     * fingerprint becomes part of the configuration and the run id.
     */
    public RunSpec withDataFingerprint(String fingerprint) {
        return new RunSpec(methodId, taskId, seed, promptLength, learningRate, methodOptions, shared, fingerprint);
    }

    /** A learning rate written without exponent or trailing zeros ({@code 0.3}, {@code 0.0001}). */
    static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /**
     * The settings other than task and seed, as a readable label:
     * {@code n=10 lr=0.3 bottleneck=400}. Runs that differ only in seed (and task) share it, so
     * reports average them.
     */
    public String getSettings() {
        StringBuilder out = new StringBuilder("n=" + promptLength + " lr=" + plain(learningRate));
        methodOptions.forEach((k, v) -> out.append(' ').append(k).append('=').append(v));
        return out.toString();
    }

    /** Every setting as sorted strings, the data fingerprint included: the run's full configuration. */
    public Map<String, String> getConfig() {
        Map<String, String> config = new TreeMap<>();
        shared.forEach(config::put);
        methodOptions.forEach((k, v) -> config.put("method." + k, v));
        config.put("method", methodId);
        config.put("task", taskId);
        config.put("seed", Long.toString(seed));
        config.put("promptLength", Integer.toString(promptLength));
        config.put("learningRate", plain(learningRate));
        if (!dataFingerprint.isEmpty()) {
            config.put(DATA, dataFingerprint);
        }
        return Collections.unmodifiableMap(config);
    }

    /**
     * The run described by a configuration written by {@link #getConfig()} (as stored in a run's
     * result), so a finished run can be rebuilt, e.g. to export its prompt.
     *
     * @throws PeftException when a required key is missing or malformed
     */
    public static RunSpec fromConfig(Map<String, String> config) {
        Map<String, String> shared = new TreeMap<>(config);
        Map<String, String> options = new TreeMap<>();
        @Nullable String data = shared.remove(DATA);
        for (String key : List.copyOf(shared.keySet())) {
            if (key.startsWith("method.")) {
                options.put(key.substring("method.".length()), shared.remove(key));
            }
        }
        try {
            return new RunSpec(required(shared, "method"), required(shared, "task"),
                    Long.parseLong(required(shared, "seed")), Integer.parseInt(required(shared, "promptLength")),
                    Double.parseDouble(required(shared, "learningRate")), options, shared, data == null ? "" : data);
        } catch (NumberFormatException e) {
            throw new PeftException("Run configuration " + config + " has a malformed number: " + e.getMessage());
        }
    }

    private static String required(Map<String, String> config, String key) {
        String value = config.remove(key);
        if (value == null) {
            throw new PeftException("Run configuration lacks '" + key + "'; it was not written by peft4j");
        }
        return value;
    }

    /**
     * The stable run id: {@code <method>_<task>_n<length>_lr<rate>_s<seed>-<hash>}, where hash is
     * the first 8 hex digits of the SHA-256 of the full configuration (so two runs differing only
     * in method options or shared settings get different ids). Safe as a file name.
     */
    public String getRunId() {
        String readable = methodId + "_" + taskId + "_n" + promptLength + "_lr" + plain(learningRate) + "_s" + seed;
        return readable.replaceAll("[^A-Za-z0-9._=-]", "-") + "-" + hash(getConfig());
    }

    /**
     * A result builder pre-filled with this run's id, method, task, seed, settings, prompt length,
     * learning rate and configuration; the training loop adds metric, epochs and costs.
     */
    public RunResult.Builder resultBuilder() {
        return RunResult.builder()
                .setRunId(getRunId())
                .setMethodId(methodId)
                .setTaskId(taskId)
                .setSeed(seed)
                .optSettings(getSettings())
                .optPromptLength(promptLength)
                .optLearningRate(learningRate)
                .optConfig(getConfig());
    }

    /** The record of this run having diverged, for the reason the training loop gave. */
    public DivergedRun diverged(String reason) {
        return new DivergedRun(getRunId(), methodId, taskId, getSettings(), seed, reason, getConfig());
    }

    private static String hash(Map<String, String> config) {
        StringBuilder canonical = new StringBuilder();
        config.forEach((k, v) -> canonical.append(k).append('=').append(v).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
