package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptedEncoderTest {

    private static final List<String> TEXTS = List.of("The cat sat on the mat.", "Rain.",
            "Stocks fell sharply after the announcement of new tariffs on imported steel.");

    @TempDir
    static Path temp;

    private static Backbone backbone;
    private static ExportFolder export;
    private static Path exportFolder;
    /** Only the two Hugging Face PEFT files, as PEFT saves a prompt adapter. */
    private static Path adapterFolder;

    @BeforeAll
    static void load() {
        backbone = Backbones.load(Exports.MINILM);
        export = Exports.random(4, 11);
        exportFolder = Exports.write(export, temp.resolve("export"));
        adapterFolder = temp.resolve("adapter");
        PromptAdapterFiles.write(adapterFolder, export.adapter());
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    @Test
    void clsEmbeddingUnderTheExportedHeadGivesThePredictorsProbabilities() {
        try (PromptedEncoder encoder = PromptedEncoder.open(exportFolder, backbone);
                Predictor predictor = Predictor.open(exportFolder, backbone)) {
            assertThat(encoder.getDimension()).isEqualTo(384);
            assertThat(encoder.getAdapter()).isEqualTo(export.adapter());
            // the predictor truncates to its export's max length; these texts are shorter
            for (String text : TEXTS) {
                float[] cls = encoder.embed(text);
                assertThat(cls).hasSize(384);
                double[] logits = new double[3];
                for (int c = 0; c < 3; c++) {
                    logits[c] = export.headBias()[c];
                    for (int i = 0; i < 384; i++) {
                        logits[c] += export.headWeight()[c * 384 + i] * cls[i];
                    }
                }
                double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
                double sum = 0;
                for (double l : logits) {
                    sum += Math.exp(l - max);
                }
                Prediction p = predictor.predict(text);
                for (int c = 0; c < 3; c++) {
                    assertThat(p.probabilities().get(Exports.LABELS.get(c)))
                            .isCloseTo(Math.exp(logits[c] - max) / sum, within(1e-4));
                }
            }
        }
    }

    @Test
    void batchesEqualSingleTextsForBothPoolingsAndPlacements() {
        // padding must not leak into either pooling, wherever the prompt goes
        List<String> texts = TEXTS.subList(1, 3);
        for (var pooling : List.of(PromptedEncoder.Pooling.CLS, PromptedEncoder.Pooling.MEAN)) {
            var placement = pooling == PromptedEncoder.Pooling.CLS
                    ? PromptPlacement.BEFORE_INPUT : PromptPlacement.AFTER_CLS;
            try (PromptedEncoder encoder = PromptedEncoder.builder().setAdapterFolder(adapterFolder)
                    .setBackbone(backbone).optPooling(pooling).optPlacement(placement).optMaxLength(128).build()) {
                List<float[]> batch = encoder.embedAll(texts);
                List<float[]> pairs = encoder.embedPairs(texts, List.of("Yes.", "No."));
                for (int i = 0; i < texts.size(); i++) {
                    assertThat(batch.get(i)).containsExactly(encoder.embed(texts.get(i)), within(1e-4f));
                    assertThat(pairs.get(i)).containsExactly(
                            encoder.embed(texts.get(i), i == 0 ? "Yes." : "No."), within(1e-4f));
                }
                assertThat(encoder.getMaxTokens()).isEqualTo(128 - 4);
            }
        }
    }

    @Test
    void poolingAndPlacementChangeTheEmbedding() {
        float[][] results = new float[3][];
        int k = 0;
        for (var spec : List.of(List.of("CLS", "AFTER_CLS"), List.of("MEAN", "AFTER_CLS"), List.of("CLS", "BEFORE_INPUT"))) {
            try (PromptedEncoder encoder = PromptedEncoder.builder().setAdapterFolder(adapterFolder)
                    .setBackbone(backbone).optPooling(PromptedEncoder.Pooling.valueOf(spec.get(0)))
                    .optPlacement(PromptPlacement.valueOf(spec.get(1))).build()) {
                results[k++] = encoder.embed(TEXTS.get(0));
            }
        }
        assertThat(results[0]).isNotEqualTo(results[1]);
        assertThat(results[0]).isNotEqualTo(results[2]);
        for (float[] r : results) {
            for (float v : r) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }

    @Test
    void aPromptOfAnotherWidthOrModelIsRefused() {
        Path wide = temp.resolve("wide");
        PromptShape shape = new PromptShape(2, 768);
        PromptAdapterFiles.write(wide, new PromptAdapter(AdapterConfig.promptTuning(shape, 12, 12, "bert-base-uncased"),
                new PromptEmbeddings(shape, new float[2 * 768])));
        assertThatThrownBy(() -> PromptedEncoder.open(wide, backbone))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("token_dim 768")
                .hasMessageContaining("width 384")
                .hasMessageContaining("bert-base-uncased");

        Path deeper = temp.resolve("deeper");
        PromptShape narrow = new PromptShape(2, 384);
        PromptAdapterFiles.write(deeper, new PromptAdapter(AdapterConfig.promptTuning(narrow, 12, 12, "bge-small-en-v1.5"),
                new PromptEmbeddings(narrow, new float[2 * 384])));
        assertThatThrownBy(() -> PromptedEncoder.open(deeper, backbone))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("num_layers 12")
                .hasMessageContaining("has 6 layers");

        Path tooMany = temp.resolve("too-many");
        PromptShape longShape = new PromptShape(510, 384);
        PromptAdapterFiles.write(tooMany, new PromptAdapter(AdapterConfig.promptTuning(longShape, 6, 12, null),
                new PromptEmbeddings(longShape, new float[510 * 384])));
        assertThatThrownBy(() -> PromptedEncoder.open(tooMany, backbone))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("num_virtual_tokens 510")
                .hasMessageContaining("512 positions");
    }

    @Test
    void aLoraAdapterOrAMissingFolderIsReportedClearly() throws Exception {
        Path lora = temp.resolve("lora");
        Files.createDirectories(lora);
        Files.writeString(lora.resolve(PromptAdapterFiles.CONFIG_FILE),
                "{\"peft_type\": \"LORA\", \"task_type\": \"SEQ_CLS\", \"r\": 8, \"target_modules\": [\"query\"]}");
        Files.write(lora.resolve(PromptAdapterFiles.WEIGHTS_FILE), new byte[16]);
        assertThatThrownBy(() -> PromptedEncoder.open(lora, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("describes a LORA adapter, not a prompt adapter");
        assertThatThrownBy(() -> PromptedEncoder.open(temp.resolve("absent"), backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("absent");
    }

    @Test
    void blankTextsAndClosedEncodersFailClearly() {
        PromptedEncoder encoder = PromptedEncoder.open(adapterFolder, backbone);
        assertThatThrownBy(() -> encoder.embed(" "))
                .isInstanceOf(PeftException.class).hasMessageContaining("empty or blank");
        assertThatThrownBy(() -> encoder.embedPairs(List.of("a"), List.of()))
                .isInstanceOf(PeftException.class).hasMessageContaining("1 first texts but 0 second texts");
        encoder.close();
        assertThatThrownBy(() -> encoder.embed("Hello."))
                .isInstanceOf(PeftException.class).hasMessageContaining("prompted encoder is closed");
        assertThat(backbone.getManager().isOpen()).isTrue();
    }
}
