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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A training checkpoint in a folder: {@code state.safetensors} (trainable parameters, optimizer
 * moments, best parameters so far) and {@code state.json} (progress, history and the tensor
 * file's SHA-256). Each file is written to a temporary name and renamed, the JSON last, so a
 * crash at any moment leaves either the previous checkpoint or the new one, never a mix.
 *
 * @param runId        the run the checkpoint belongs to; resuming another run's checkpoint fails
 * @param epochsDone   completed epochs
 * @param step         optimizer steps taken
 * @param bestMetric   best validation headline so far, or -1 before the first evaluation
 * @param bestEpoch    epoch of {@code bestMetric}, 0 before the first evaluation
 * @param history      validation metrics of every completed epoch
 * @param tensorsSha256 SHA-256 of {@code state.safetensors}
 */
record Checkpoint(
        String runId,
        int epochsDone,
        long step,
        double bestMetric,
        int bestEpoch,
        List<EpochMetrics> history,
        String tensorsSha256) {

    static final String TENSORS = "state.safetensors";
    static final String META = "state.json";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    Checkpoint {
        history = List.copyOf(history);
    }

    /** Writes {@code tensors} and this progress record into {@code folder} atomically. */
    static Checkpoint write(Path folder, Checkpoint progress, NDList tensors) {
        try {
            Files.createDirectories(folder);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            tensors.encode(bytes, NDList.Encoding.SAFETENSORS);
            byte[] data = bytes.toByteArray();
            Checkpoint written = new Checkpoint(progress.runId, progress.epochsDone, progress.step,
                    progress.bestMetric, progress.bestEpoch, progress.history, sha256(data));
            AtomicFiles.write(folder.resolve(TENSORS), data);
            AtomicFiles.write(folder.resolve(META), GSON.toJson(written).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return written;
        } catch (IOException e) {
            throw new PeftException("Could not write the checkpoint to " + folder + ": " + e.getMessage()
                    + ". Check free disk space and permissions.", e);
        }
    }

    /** The checkpoint in {@code folder}, or null when there is none. */
    static @Nullable Checkpoint read(Path folder) {
        Path meta = folder.resolve(META);
        if (!Files.exists(meta)) {
            return null;
        }
        try {
            Checkpoint checkpoint = GSON.fromJson(Files.readString(meta), Checkpoint.class);
            if (checkpoint == null || checkpoint.runId == null) {
                throw new PromptFormatException(meta + " is empty or not a checkpoint");
            }
            return new Checkpoint(checkpoint.runId, checkpoint.epochsDone, checkpoint.step, checkpoint.bestMetric,
                    checkpoint.bestEpoch, checkpoint.history == null ? List.of() : checkpoint.history,
                    checkpoint.tensorsSha256);
        } catch (IOException | JsonParseException e) {
            throw new PromptFormatException("Checkpoint " + meta + " is unreadable (" + e.getMessage()
                    + "). Delete the folder " + folder + " to start the run afresh.", e);
        }
    }

    /** The tensors of this checkpoint, checked against the recorded SHA-256. */
    NDList readTensors(Path folder, NDManager manager) {
        Path file = folder.resolve(TENSORS);
        try {
            byte[] data = Files.readAllBytes(file);
            if (!sha256(data).equals(tensorsSha256)) {
                throw new PromptFormatException("Checkpoint " + file + " does not match its " + META
                        + " (SHA-256 differs): it is corrupt. Delete " + folder + " to start the run afresh.");
            }
            SafetensorsHeader.check(file, data, "Delete " + folder + " to start the run afresh.");
            return NDList.decode(manager, data);
        } catch (IOException e) {
            throw new PromptFormatException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
