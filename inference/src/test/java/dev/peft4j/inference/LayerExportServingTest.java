package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.google.gson.JsonParser;
import dev.peft4j.api.LinearTarget;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports of methods that act inside the layers on the tiny random BERT: the folder (PEFT adapter
 * files beside the head and settings) reads back, the Predictor serves a LoRA export merged into
 * its own backbone exactly as unmerged on a shared one and leaves the shared weights alone, and
 * the multi-task predictor refuses both kinds.
 */
class LayerExportServingTest {

    private static final int D = TinyBertFolder.HIDDEN;
    private static final int L = TinyBertFolder.LAYERS;
    private static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");
    private static final List<String> FIRST = List.of("the cat sat on the mat", "it rain", "emma saw the red ball");
    private static final List<String> SECOND = List.of("a cat sat", "the street is wet", "emma saw nothing");

    @TempDir
    static Path temp;

    private static Backbone backbone;

    @BeforeAll
    static void load() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    private static float[] gaussian(Random random, int size, float scale) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    static ExportFolder export(LayerAdapter adapter, String method, long seed) {
        Random random = new Random(seed);
        return new ExportFolder(adapter, gaussian(random, LABELS.size() * D, 0.5f), gaussian(random, LABELS.size(), 0.1f),
                new ExportFolder.Settings("cb", LABELS, backbone.getName(), 48, method, Map.of("rank", "2"), "test-run",
                        "acc", 0.5));
    }

    static PrefixTuningAdapter prefix(long seed) {
        int m = 3;
        return new PrefixTuningAdapter(new PromptEmbeddings(new PromptShape(m, L * 2 * D),
                gaussian(new Random(seed), m * L * 2 * D, 1f)), L, TinyBertFolder.HEADS, backbone.getName());
    }

    static LoraAdapter lora(long seed, float scaleB, int layers) {
        Random random = new Random(seed);
        List<LinearTarget> targets = List.of(LinearTarget.QUERY, LinearTarget.VALUE, LinearTarget.INTERMEDIATE,
                LinearTarget.OUTPUT);
        List<LoraAdapter.Factors> factors = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            for (LinearTarget t : targets) {
                factors.add(new LoraAdapter.Factors(layer, t, gaussian(random, 2 * t.inFeatures(D,
                        TinyBertFolder.INTERMEDIATE), 0.5f), gaussian(random, t.outFeatures(D,
                        TinyBertFolder.INTERMEDIATE) * 2, scaleB)));
            }
        }
        return new LoraAdapter(2, 4, false, 0f, targets, layers, factors, backbone.getName());
    }

    private static List<Prediction> predict(Predictor predictor) {
        return predictor.predictPairs(FIRST, SECOND);
    }

    private static void assertSame(List<Prediction> actual, List<Prediction> expected) {
        for (int i = 0; i < expected.size(); i++) {
            for (String label : LABELS) {
                assertThat(actual.get(i).probabilities().get(label)).as("example %d %s", i, label)
                        .isCloseTo(expected.get(i).probabilities().get(label), within(1e-5));
            }
        }
    }

    private static float encoderChecksum() {
        double sum = 0;
        for (var p : backbone.getEncoder().getParameters()) {
            for (float v : p.getValue().getArray().toFloatArray()) {
                sum += v * 0.5 + Math.abs(v);
            }
        }
        return (float) sum;
    }

    @Test
    void aLayerExportIsPeftsAdapterBesideTheHeadAndSettings() throws IOException {
        Path prefixFolder = Exports.write(export(prefix(1), "prefix-tuning", 1), temp.resolve("prefix"));
        Path loraFolder = Exports.write(export(lora(2, 0.5f, L), "lora", 2), temp.resolve("lora"));
        for (Path folder : List.of(prefixFolder, loraFolder)) {
            try (var files = Files.list(folder)) {
                assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                        PromptAdapterFiles.CONFIG_FILE, PromptAdapterFiles.WEIGHTS_FILE, ExportFolder.HEAD_FILE,
                        ExportFolder.SETTINGS_FILE);
            }
        }
        assertThat(LayerAdapterFiles.peftType(prefixFolder)).isEqualTo("PREFIX_TUNING");
        assertThat(JsonParser.parseString(Files.readString(loraFolder.resolve(ExportFolder.SETTINGS_FILE)))
                .getAsJsonObject().get("method").getAsString()).isEqualTo("lora");

        ExportFolder read = ExportFolder.read(prefixFolder);
        assertThat(read.layerAdapter()).isEqualTo(prefix(1));
        assertThat(read.adapter()).isNull();
        assertThat(read.inputPromptLength()).isZero();
        assertThatThrownBy(read::getPrompt).isInstanceOf(PeftException.class).hasMessageContaining("PREFIX_TUNING");
        ExportFolder readLora = ExportFolder.read(loraFolder);
        assertThat(readLora.isLowRank()).isTrue();
        assertThat(readLora.headBias()).containsExactly(export(lora(2, 0.5f, L), "lora", 2).headBias());
    }

    @Test
    void aPrefixChangesPredictionsAndServesAloneOrShared() {
        Path folder = Exports.write(export(prefix(3), "prefix-tuning", 3), temp.resolve("prefix-serve"));
        List<Prediction> shared;
        try (Predictor predictor = Predictor.open(folder, backbone)) {
            assertThat(predictor.getPromptLength()).isZero();
            assertThat(predictor.getMaxTokens()).isEqualTo(48);
            shared = predict(predictor);
        }
        try (Predictor predictor = Predictor.open(folder)) {
            assertSame(predict(predictor), shared);
        }
        // the same head with an all-zero prefix: a prefix of zero keys and values still takes attention weight,
        // so a trained one must move the probabilities
        PrefixTuningAdapter zero = new PrefixTuningAdapter(new PromptEmbeddings(new PromptShape(3, L * 2 * D),
                new float[3 * L * 2 * D]), L, TinyBertFolder.HEADS, backbone.getName());
        Path zeroFolder = Exports.write(export(zero, "prefix-tuning", 3), temp.resolve("prefix-zero"));
        try (Predictor predictor = Predictor.open(zeroFolder, backbone)) {
            assertThat(predict(predictor).get(0).probabilities().get("neutral"))
                    .isNotCloseTo(shared.get(0).probabilities().get("neutral"), within(1e-4));
        }
    }

    @Test
    void loraMergedIntoAnOwnedBackboneEqualsUnmergedOnASharedOneWhichStaysUnchanged() {
        Path folder = Exports.write(export(lora(4, 0.5f, L), "lora", 4), temp.resolve("lora-serve"));
        Path baseFolder = Exports.write(export(lora(4, 0f, L), "lora", 4), temp.resolve("lora-zero"));
        float before = encoderChecksum();
        List<Prediction> shared;
        try (Predictor predictor = Predictor.open(folder, backbone)) {
            shared = predict(predictor);
        }
        assertThat(encoderChecksum()).as("the shared backbone's weights").isEqualTo(before);
        try (Predictor predictor = Predictor.open(folder)) {
            assertSame(predict(predictor), shared);
        }
        try (Predictor predictor = Predictor.open(baseFolder, backbone)) {
            // B = 0: the base model; the trained factors must change it
            assertThat(predict(predictor).get(0).probabilities().get("neutral"))
                    .isNotCloseTo(shared.get(0).probabilities().get("neutral"), within(1e-4));
        }
    }

    @Test
    void anAdapterForAnotherNumberOfLayersIsRefused() {
        Path folder = Exports.write(export(lora(5, 0.5f, L + 1), "lora", 5), temp.resolve("lora-3-layers"));
        assertThatThrownBy(() -> Predictor.open(folder, backbone)).isInstanceOf(PeftException.class)
                .hasMessageContaining("3 layers").hasMessageContaining("has " + L);
    }

    @Test
    void theMultiTaskPredictorRefusesLoraAndPrefixExports() {
        Path loraFolder = Exports.write(export(lora(6, 0.5f, L), "lora", 6), temp.resolve("multi-lora"));
        Path prefixFolder = Exports.write(export(prefix(6), "prefix-tuning", 6), temp.resolve("multi-prefix"));
        try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone)) {
            assertThatThrownBy(() -> predictor.addTask("cb", loraFolder)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("LoRA").hasMessageContaining("shared backbone")
                    .hasMessageContaining("Predictor");
            assertThatThrownBy(() -> predictor.addTask("cb", prefixFolder)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("prefix").hasMessageContaining("own Predictor");
        }
    }
}
