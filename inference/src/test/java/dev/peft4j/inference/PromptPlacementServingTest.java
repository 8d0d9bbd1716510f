package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.BertEncoder;
import dev.peft4j.backbones.EncodedBatch;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving an export trained with Hugging Face PEFT's placement ({@code P' [CLS] text}), on the
 * tiny random BERT: what {@code peft4j.json} records, what the Predictor computes (checked against
 * PEFT's own forward written out by hand: {@code torch.cat((prompts, inputs_embeds), dim=1)}, the
 * mask prefixed with ones, the segment ids with zeros, positions {@code 0..n+T-1}, then the head on
 * position 0), mixed batches, and where {@link PromptedEncoder} puts a prompt by default.
 */
class PromptPlacementServingTest {

    private static final int D = TinyBertFolder.HIDDEN;
    private static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");
    private static final List<String> TEXTS = List.of("the cat sat on the mat", "it rain",
            "emma saw the red ball in the park after school");
    private static final List<String> REVERSED = List.of(TEXTS.get(2), TEXTS.get(1), TEXTS.get(0));

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

    static ExportFolder export(int n, PromptPlacement placement, long seed) {
        Random random = new Random(seed);
        PromptShape shape = new PromptShape(n, D);
        PromptAdapter adapter = new PromptAdapter(AdapterConfig.promptTuning(shape, TinyBertFolder.LAYERS,
                TinyBertFolder.HEADS, backbone.getName()), new PromptEmbeddings(shape, gaussian(random, n * D, 0.5f)));
        return new ExportFolder(adapter, gaussian(random, LABELS.size() * D, 0.5f), gaussian(random, LABELS.size(), 0.1f),
                new ExportFolder.Settings("cb", LABELS, backbone.getName(), 48, "prompt-tuning", Map.of(), "test-run",
                        "acc", 0.5, null, null, null, placement.id()));
    }

    private static float[] gaussian(Random random, int size, float scale) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static JsonObject settingsJson(Path folder) throws IOException {
        return JsonParser.parseString(Files.readString(folder.resolve(ExportFolder.SETTINGS_FILE))).getAsJsonObject();
    }

    @Test
    void theExportRecordsThePlacementAndReadsItBack() throws IOException {
        for (PromptPlacement placement : PromptPlacement.values()) {
            ExportFolder export = export(3, placement, 1);
            Path folder = Exports.write(export, temp.resolve("round-trip-" + placement.id()));
            assertThat(settingsJson(folder).get("placement").getAsString()).isEqualTo(placement.id());
            ExportFolder read = ExportFolder.read(folder);
            assertThat(read.settings()).isEqualTo(export.settings());
            assertThat(read.settings().promptPlacement()).isEqualTo(placement);
            try (Predictor predictor = Predictor.open(folder, backbone)) {
                assertThat(predictor.getPlacement()).isEqualTo(placement);
            }
        }
        // the shorter constructors (older callers) record peft4j's placement
        assertThat(Exports.random(2, 1).settings().placement()).isEqualTo("after-cls");
    }

    @Test
    void anExportWithoutARecordIsAfterClsAndAnUnknownOneIsRefused() throws IOException {
        Path folder = Exports.write(export(3, PromptPlacement.AFTER_CLS, 2), temp.resolve("older"));
        JsonObject json = settingsJson(folder);
        json.remove("placement");
        Files.writeString(folder.resolve(ExportFolder.SETTINGS_FILE), json.toString());
        assertThat(ExportFolder.read(folder).settings().promptPlacement()).isEqualTo(PromptPlacement.AFTER_CLS);
        assertThat(ExportFolder.recordedPlacement(folder)).isEqualTo(PromptPlacement.AFTER_CLS);

        json.addProperty("placement", "before-cls");
        Files.writeString(folder.resolve(ExportFolder.SETTINGS_FILE), json.toString());
        assertThatThrownBy(() -> ExportFolder.read(folder)).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("records the prompt placement 'before-cls'")
                .hasMessageContaining("after-cls or before-input");
        assertThatThrownBy(() -> PromptedEncoder.open(folder, backbone)).isInstanceOf(PromptFormatException.class);

        ExportFolder export = export(3, PromptPlacement.AFTER_CLS, 2);
        ExportFolder.Settings s = export.settings();
        ExportFolder unknown = new ExportFolder(export.adapter(), export.headWeight(), export.headBias(),
                new ExportFolder.Settings(s.task(), s.labels(), s.backbone(), s.maxLength(), s.method(), s.options(),
                        s.runId(), s.metric(), s.bestMetric(), null, null, null, "peft"));
        assertThatThrownBy(() -> unknown.write(temp.resolve("unknown"))).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("Unknown prompt placement 'peft'");
        assertThat(temp.resolve("unknown")).doesNotExist();
    }

    /**
     * The Python recipe of docs/PEFT-INTEROP.md, step by step: the prompt spliced in at {@code at}
     * (0 before the input, as PEFT's forward does; 1 after {@code [CLS]}), the mask with ones and
     * the segment ids with zeros for it, positions numbered by the encoder, the head on position 0.
     */
    private static double[] recipeProbabilities(ExportFolder export, EncodedBatch batch, int row) {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            ParameterStore ps = new ParameterStore(manager, false);
            BertEncoder encoder = backbone.getEncoder();
            NDList inputs = batch.toNDList(manager);
            int n = export.getPrompt().shape().length();
            long rows = batch.batchSize();
            int at = export.settings().promptPlacement().insertionIndex();
            NDArray prompts = export.getPrompt().toNDArray(manager).expandDims(0).broadcast(rows, n, D);
            NDArray embeds = splice(encoder.embedTokens(ps, inputs.get(0)), prompts, at);
            NDArray mask = splice(inputs.get(1), manager.ones(new Shape(rows, n), inputs.get(1).getDataType()), at);
            NDArray types = splice(inputs.get(2), manager.zeros(new Shape(rows, n), inputs.get(2).getDataType()), at);
            NDArray hidden = encoder.encode(ps, embeds, mask, types, false);
            float[] state = hidden.get(new NDIndex("{}, 0, :", row)).toFloatArray();
            int classes = export.headBias().length;
            double[] logits = new double[classes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                logits[c] = export.headBias()[c];
                for (int i = 0; i < D; i++) {
                    logits[c] += (double) export.headWeight()[c * D + i] * state[i];
                }
                max = Math.max(max, logits[c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                logits[c] = Math.exp(logits[c] - max);
                sum += logits[c];
            }
            for (int c = 0; c < classes; c++) {
                logits[c] /= sum;
            }
            return logits;
        }
    }

    /** {@code x[:, :at] ++ inserted ++ x[:, at:]} along the sequence, as {@code torch.cat} in the recipe. */
    private static NDArray splice(NDArray x, NDArray inserted, int at) {
        return at == 0 ? inserted.concat(x, 1)
                : x.get(new NDIndex(":, :{}", at)).concat(inserted, 1).concat(x.get(new NDIndex(":, {}:", at)), 1);
    }

    @Test
    void thePredictorGivesThePythonRecipesProbabilitiesInBothPlacements() {
        for (PromptPlacement placement : PromptPlacement.values()) {
            ExportFolder export = export(4, placement, 3);
            Path folder = Exports.write(export, temp.resolve("recipe-" + placement.id()));
            // the recipe truncates to maxLength - n tokens, [CLS] and [SEP] included
            int maxTokens = export.settings().maxLength() - 4;
            try (Predictor predictor = Predictor.open(folder, backbone)) {
                assertThat(predictor.getMaxTokens()).isEqualTo(maxTokens);
                EncodedBatch singles = backbone.getTokenizer().encode(TEXTS, maxTokens);
                List<Prediction> predicted = predictor.predictAll(TEXTS);
                EncodedBatch pairs = backbone.getTokenizer().encodePairs(TEXTS, REVERSED, maxTokens);
                List<Prediction> predictedPairs = predictor.predictPairs(TEXTS, REVERSED);
                for (int row = 0; row < TEXTS.size(); row++) {
                    assertProbabilities(predicted.get(row), recipeProbabilities(export, singles, row));
                    assertProbabilities(predictedPairs.get(row), recipeProbabilities(export, pairs, row));
                }
            }
        }
    }

    private static void assertProbabilities(Prediction actual, double[] expected) {
        for (int c = 0; c < LABELS.size(); c++) {
            assertThat(actual.probabilities().get(LABELS.get(c))).isCloseTo(expected[c], within(1e-6));
        }
    }

    @Test
    void aMultiTaskBatchMixesPlacementsAndEachRowEqualsItsOwnPredictor() {
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("after", Exports.write(export(2, PromptPlacement.AFTER_CLS, 4), temp.resolve("mixed-after")));
        folders.put("before", Exports.write(export(5, PromptPlacement.BEFORE_INPUT, 5), temp.resolve("mixed-before")));
        folders.put("before-short", Exports.write(export(1, PromptPlacement.BEFORE_INPUT, 6),
                temp.resolve("mixed-before-short")));
        List<Input> rows = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            String task = List.copyOf(folders.keySet()).get(i % 3);
            String text = TEXTS.get(i % TEXTS.size());
            rows.add(i % 2 == 0 ? new Input(task, text) : new Input(task, text, TEXTS.get((i + 1) % TEXTS.size())));
        }
        try (MultiTaskPredictor multi = MultiTaskPredictor.open(backbone, folders)) {
            List<Prediction> mixed = multi.predictAll(rows);
            for (int i = 0; i < rows.size(); i++) {
                Input row = rows.get(i);
                try (Predictor single = Predictor.open(folders.get(row.task()), backbone)) {
                    Prediction expected = row.textB() == null ? single.predict(row.textA())
                            : single.predict(row.textA(), row.textB());
                    for (String label : LABELS) {
                        assertThat(mixed.get(i).probabilities().get(label)).as("row %d (%s)", i, row.task())
                                .isCloseTo(expected.probabilities().get(label), within(1e-5));
                    }
                }
            }
        }
    }

    @Test
    void aPromptedEncoderTakesTheExportsPlacementAndPeftsForAFolderWithoutPeft4jJson() {
        ExportFolder export = export(3, PromptPlacement.AFTER_CLS, 7);
        Path exportFolder = Exports.write(export, temp.resolve("encoder-export"));
        Path peftFolder = temp.resolve("encoder-peft");
        PromptAdapterFiles.write(peftFolder, export.adapter());
        Path beforeFolder = Exports.write(export(3, PromptPlacement.BEFORE_INPUT, 7), temp.resolve("encoder-before"));
        try (PromptedEncoder fromExport = PromptedEncoder.open(exportFolder, backbone);
                PromptedEncoder fromPeft = PromptedEncoder.open(peftFolder, backbone);
                PromptedEncoder fromBefore = PromptedEncoder.open(beforeFolder, backbone);
                PromptedEncoder chosen = PromptedEncoder.builder().setAdapterFolder(peftFolder).setBackbone(backbone)
                        .optPlacement(PromptPlacement.AFTER_CLS).build()) {
            assertThat(fromExport.getPlacement()).isEqualTo(PromptPlacement.AFTER_CLS);
            assertThat(fromPeft.getPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);
            assertThat(fromBefore.getPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);
            assertThat(chosen.getPlacement()).isEqualTo(PromptPlacement.AFTER_CLS);
            // the same prompt: same embeddings when placed the same way
            assertThat(chosen.embed(TEXTS.get(0))).containsExactly(fromExport.embed(TEXTS.get(0)));
            assertThat(fromPeft.embed(TEXTS.get(0))).containsExactly(fromBefore.embed(TEXTS.get(0)));
            assertThat(fromPeft.embed(TEXTS.get(0))).isNotEqualTo(fromExport.embed(TEXTS.get(0)));
        }
    }
}
