package dev.peft4j.harness.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.internal.AtomicFiles;
import dev.peft4j.api.internal.SafetensorsHeader;
import dev.peft4j.harness.report.EpochMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * A training checkpoint: one folder {@code epoch-NNNN} (the epochs it completed) in the run's
 * checkpoint folder, holding {@code state.safetensors} (trainable parameters, optimizer moments,
 * the best epoch's parameters and {@code P'}) and {@code state.json} (progress, history and the
 * tensor file's SHA-256). The folder is written whole under a temporary name, forced to the disk
 * and renamed into place ({@link AtomicFiles#writeFolder}); only then are the run's earlier
 * checkpoints removed. A process killed at any moment leaves the previous checkpoint, the new one
 * or both (the newest is used), never a tensor file of one epoch beside the record of another.
 *
 * @param runId        the run the checkpoint belongs to
 * @param epochsDone   completed epochs
 * @param step         optimizer steps taken
 * @param bestMetric   best validation headline so far, or -1 before the first evaluation
 * @param bestEpoch    epoch of {@code bestMetric}, 0 before the first evaluation
 * @param history      validation metrics of every completed epoch
 * @param tensorsSha256 SHA-256 of {@code state.safetensors}
 * @param secondsSpent wall-clock seconds the run took up to this checkpoint, over every process
 *                     that worked on it (0 in a checkpoint written before this was recorded)
 */
record Checkpoint(
        String runId,
        int epochsDone,
        long step,
        double bestMetric,
        int bestEpoch,
        List<EpochMetrics> history,
        String tensorsSha256,
        double secondsSpent) {

    static final String TENSORS = "state.safetensors";
    static final String META = "state.json";
    private static final String PREFIX = "epoch-";
    private static final Pattern FOLDER = Pattern.compile(PREFIX + "\\d{1,9}");
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    Checkpoint {
        history = List.copyOf(history);
    }

    /** The folder name of the checkpoint after {@code epochsDone} epochs. */
    static String folderName(int epochsDone) {
        return String.format(Locale.ROOT, PREFIX + "%04d", epochsDone);
    }

    /**
     * Writes {@code tensors} and this progress record as the checkpoint folder of
     * {@code progress.epochsDone()} in {@code runFolder}, atomically, then removes the run's other
     * checkpoints.
     *
     * @return the checkpoint folder
     */
    static Path write(Path runFolder, Checkpoint progress, NDList tensors) {
        Path folder = runFolder.resolve(folderName(progress.epochsDone));
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            tensors.encode(bytes, NDList.Encoding.SAFETENSORS);
            byte[] data = bytes.toByteArray();
            Checkpoint written = new Checkpoint(progress.runId, progress.epochsDone, progress.step,
                    progress.bestMetric, progress.bestEpoch, progress.history, sha256(data), progress.secondsSpent);
            AtomicFiles.writeFolder(folder, f -> {
                Files.write(f.resolve(TENSORS), data);
                Files.write(f.resolve(META), GSON.toJson(written).getBytes(StandardCharsets.UTF_8));
            });
            for (Path other : folders(runFolder)) {
                if (!other.equals(folder)) {
                    AtomicFiles.deleteTree(other);
                }
            }
            // files of the layout before checkpoint folders
            Files.deleteIfExists(runFolder.resolve(TENSORS));
            Files.deleteIfExists(runFolder.resolve(META));
            return folder;
        } catch (IOException e) {
            throw new PeftException("Could not write the checkpoint to " + folder + ": " + e.getMessage()
                    + ". Check free disk space and permissions.", e);
        }
    }

    /** The newest checkpoint folder in {@code runFolder}, or null when there is none. */
    static @Nullable Path latest(Path runFolder) {
        List<Path> folders = folders(runFolder);
        return folders.isEmpty() ? null : folders.get(folders.size() - 1);
    }

    /** Whether {@code runFolder} holds a checkpoint written before checkpoints were folders. */
    static boolean hasEarlierLayout(Path runFolder) {
        return Files.exists(runFolder.resolve(META));
    }

    /** Removes an unusable checkpoint folder, logging (not throwing) when that fails. */
    static void discard(Path folder) {
        try {
            AtomicFiles.deleteTree(folder);
        } catch (IOException e) {
            LoggerFactory.getLogger(Checkpoint.class).warn("Could not remove {}: {}", folder, e.getMessage());
        }
    }

    /**
     * The progress record of the checkpoint folder {@code folder}.
     *
     * @throws PromptFormatException when it is missing or unreadable
     */
    static Checkpoint read(Path folder) {
        Path meta = folder.resolve(META);
        try {
            Checkpoint checkpoint = GSON.fromJson(Files.readString(meta), Checkpoint.class);
            if (checkpoint == null || checkpoint.runId == null || checkpoint.tensorsSha256 == null) {
                throw new PromptFormatException(meta + " is empty or not a checkpoint");
            }
            return new Checkpoint(checkpoint.runId, checkpoint.epochsDone, checkpoint.step, checkpoint.bestMetric,
                    checkpoint.bestEpoch, checkpoint.history == null ? List.of() : checkpoint.history,
                    checkpoint.tensorsSha256, checkpoint.secondsSpent);
        } catch (IOException | JsonParseException e) {
            throw new PromptFormatException(meta + " is unreadable (" + e.getMessage() + ")", e);
        }
    }

    /** The checkpoint folders in {@code runFolder}, oldest first. */
    private static List<Path> folders(Path runFolder) {
        if (!Files.isDirectory(runFolder)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(runFolder)) {
            return entries.filter(p -> FOLDER.matcher(p.getFileName().toString()).matches())
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparingInt(Checkpoint::epochOf))
                    .toList();
        } catch (IOException e) {
            throw new PeftException("Cannot list the checkpoint folder " + runFolder + ": " + e.getMessage()
                    + ". Check its permissions.", e);
        }
    }

    /** The tensors of this checkpoint, checked against the recorded SHA-256. */
    NDList readTensors(Path folder, NDManager manager) {
        Path file = folder.resolve(TENSORS);
        try {
            byte[] data = Files.readAllBytes(file);
            if (!sha256(data).equals(tensorsSha256)) {
                throw new PromptFormatException(file + " does not match its " + META + " (SHA-256 differs): it is "
                        + "corrupt");
            }
            SafetensorsHeader.check(file, data, "Delete " + folder + " to start the run afresh.");
            return NDList.decode(manager, data);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PromptFormatException p) {
                throw p;
            }
            throw new PromptFormatException("cannot read " + file + " (" + e.getMessage() + ")", e);
        }
    }

    private static int epochOf(Path folder) {
        return Integer.parseInt(folder.getFileName().toString().substring(PREFIX.length()));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
