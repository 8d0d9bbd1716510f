package dev.peft4j.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.internal.AtomicFiles;
import dev.peft4j.backbones.BertEncoder;
import dev.peft4j.backbones.PromptClassifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A trained prompt ready for inference: the Hugging Face PEFT prompt adapter files
 * ({@code adapter_config.json}, {@code adapter_model.safetensors} with {@code P'}), the task head
 * ({@code head.safetensors}: {@code weight} {@code (classes, d)} and {@code bias}), and peft4j's
 * own settings ({@code peft4j.json}: task, labels, backbone, max length, method and run).
 *
 * @param adapter   the prompt adapter
 * @param headWeight the head weight, row-major {@code (classes, d)}
 * @param headBias  the head bias
 * @param settings  peft4j's settings
 */
public record ExportFolder(PromptAdapter adapter, float[] headWeight, float[] headBias, Settings settings) {

    /** The head file's name. */
    public static final String HEAD_FILE = "head.safetensors";
    /** The settings file's name. */
    public static final String SETTINGS_FILE = "peft4j.json";

    /** The files of an export folder; anything else in a folder stops {@link #write} from replacing it. */
    private static final List<String> EXPORT_FILES = List.of(PromptAdapterFiles.CONFIG_FILE,
            PromptAdapterFiles.WEIGHTS_FILE, HEAD_FILE, SETTINGS_FILE);

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * peft4j's settings of an export.
     *
     * @param task       the task id
     * @param labels     label names in head order (choice names for multiple choice)
     * @param backbone   the backbone's name or folder
     * @param maxLength  positions per sequence including the prompt
     * @param method     the method (plugin id) that trained the prompt
     * @param options    the method's options
     * @param runId      the run that produced it
     * @param metric     the headline metric id
     * @param bestMetric the validation value of that metric at export
     */
    public record Settings(String task, List<String> labels, String backbone, int maxLength, String method,
            Map<String, String> options, String runId, String metric, double bestMetric) {}

    /**
     * Writes the export folder as a whole: the files go into a temporary folder beside it, which
     * is forced to the disk and renamed into place, so a reader or a process killed mid-write sees
     * the previous export or this one, never a mix. An existing folder is replaced only when it
     * holds nothing but an export's files, so a mistyped path never costs other files.
     *
     * @throws PeftException when the folder holds other files or cannot be written
     */
    public void write(Path folder) {
        requireReplaceable(folder);
        byte[] head;
        try (NDManager manager = NDManager.newBaseManager()) {
            int classes = headBias.length;
            int width = classes == 0 ? 0 : headWeight.length / classes;
            NDArray weight = manager.create(headWeight, new Shape(classes, width));
            weight.setName("weight");
            NDArray bias = manager.create(headBias, new Shape(classes));
            bias.setName("bias");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            new NDList(weight, bias).encode(bytes, NDList.Encoding.SAFETENSORS);
            head = bytes.toByteArray();
        } catch (IOException e) {
            throw new PeftException("Could not encode the task head of the export to " + folder + ": "
                    + e.getMessage(), e);
        }
        byte[] settingsJson = GSON.toJson(settings).getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFiles.removeOrphans(folder.toAbsolutePath().getParent());
            AtomicFiles.writeFolder(folder, f -> {
                PromptAdapterFiles.write(f, adapter);
                Files.write(f.resolve(HEAD_FILE), head);
                Files.write(f.resolve(SETTINGS_FILE), settingsJson);
            });
        } catch (IOException e) {
            throw new PeftException("Could not write the export to " + folder + ": " + e.getMessage()
                    + ". Check free disk space and permissions.", e);
        }
    }

    /** Refuses to replace a folder that holds anything but an export's files (or temporary ones). */
    private static void requireReplaceable(Path folder) {
        if (!Files.isDirectory(folder)) {
            return;
        }
        List<String> others;
        try (Stream<Path> entries = Files.list(folder)) {
            others = entries.map(p -> p.getFileName().toString())
                    .filter(name -> !EXPORT_FILES.contains(name) && !name.endsWith(".tmp"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new PeftException("Cannot list the export folder " + folder + ": " + e.getMessage(), e);
        }
        if (!others.isEmpty()) {
            throw new PeftException("Export folder " + folder + " holds files that are not part of an export "
                    + others + "; an export replaces its whole folder. Choose a new or empty folder.");
        }
    }

    /** Reads a folder written by {@link #write}. */
    public static ExportFolder read(Path folder) {
        PromptAdapter adapter = PromptAdapterFiles.read(folder);
        Path settingsFile = folder.resolve(SETTINGS_FILE);
        Settings settings;
        try {
            settings = GSON.fromJson(Files.readString(settingsFile), Settings.class);
        } catch (IOException | JsonParseException e) {
            throw new PromptFormatException("Cannot read " + settingsFile + " (" + e.getMessage()
                    + "). An export folder holds the prompt adapter, " + HEAD_FILE + " and " + SETTINGS_FILE + ".", e);
        }
        Path headFile = folder.resolve(HEAD_FILE);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList head = NDList.decode(manager, Files.readAllBytes(headFile));
            NDArray weight = head.get("weight");
            NDArray bias = head.get("bias");
            if (weight == null || bias == null || weight.getShape().get(1) != adapter.config().tokenDim()) {
                throw new PromptFormatException(headFile + " must hold 'weight' (classes, "
                        + adapter.config().tokenDim() + ") and 'bias' (classes)");
            }
            return new ExportFolder(adapter, weight.toFloatArray(), bias.toFloatArray(), settings);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PeftException p) {
                throw p;
            }
            throw new PromptFormatException("Cannot read the task head " + headFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * The classifier this export describes, ready to score: the frozen {@code encoder}, {@code P'}
     * as a fixed prompt (no Φ) and the head, one output per entry of {@link #headBias()}. Its
     * arrays live on {@code manager}.
     */
    public PromptClassifier newClassifier(BertEncoder encoder, NDManager manager) {
        PromptClassifier classifier = PromptClassifier.builder()
                .setEncoder(encoder)
                .setNumClasses(headBias.length)
                .optFixedPrompt(getPrompt())
                .build();
        classifier.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 1));
        var head = classifier.getHead().getParameters();
        head.get("weight").getArray().set(headWeight);
        head.get("bias").getArray().set(headBias);
        return classifier;
    }

    /** {@code P'}. */
    public PromptEmbeddings getPrompt() {
        return adapter.embeddings();
    }
}
