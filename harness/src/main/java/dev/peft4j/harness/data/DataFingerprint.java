package dev.peft4j.harness.data;

import com.google.gson.Gson;
import dev.peft4j.api.PeftException;
import dev.peft4j.harness.task.Task;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The identity of the data a run trains and selects on: a SHA-256 over the content of every split
 * file it reads and over everything that turns records into examples (the task's id, version and
 * kind, its labels in order, its input fields and its converter settings, such as a user's label
 * field). It is part of a run's configuration and id ({@code RunSpec#withDataFingerprint}), so a
 * result or checkpoint of other data is never taken for this run's, and the trainer refuses to
 * train a run on data whose fingerprint differs from the one in its spec.
 *
 * <p>File paths are not part of it: the same files in another folder or on another machine give
 * the same fingerprint.
 */
public final class DataFingerprint {

    /** Hex digits kept of the SHA-256 (64 bits: collisions between real data sets are not a concern). */
    private static final int LENGTH = 16;
    private static final Gson GSON = new Gson();

    private DataFingerprint() {}

    /**
     * The fingerprint of the given splits of a task, each located with {@code data}.
     *
     * @param splits the split names read, for example the training and the evaluation split
     * @throws PeftException if a split is unknown or its file cannot be found or read
     */
    public static String of(Task task, List<String> splits, DataLocator data) {
        Map<String, Path> files = new TreeMap<>();
        for (String split : splits) {
            files.put(split, data.locate(task, split));
        }
        return of(task, files);
    }

    /**
     * The fingerprint of a task read from the given files.
     *
     * @param files split name to the file it is read from
     * @throws PeftException if a file cannot be read
     */
    public static String of(Task task, Map<String, Path> files) {
        StringBuilder canonical = new StringBuilder("peft4j data fingerprint v1\n");
        canonical.append("task=").append(task.getId()).append('\n');
        canonical.append("version=").append(task.getVersion()).append('\n');
        canonical.append("kind=").append(task.getKind()).append('\n');
        canonical.append("labels=").append(GSON.toJson(task.getLabels())).append('\n');
        canonical.append("inputFields=").append(GSON.toJson(task.getInputFields())).append('\n');
        canonical.append("converter=").append(GSON.toJson(new TreeMap<>(task.getConverterSettings()))).append('\n');
        new TreeMap<>(files).forEach((split, file) -> {
            try {
                canonical.append("split.").append(split).append('=').append(DataLocator.sha256(file)).append('\n');
            } catch (IOException e) {
                throw new PeftException("Cannot read data file " + file + " of split '" + split + "' of task '"
                        + task.getId() + "' to fingerprint it: " + e.getMessage(), e);
            }
        });
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
