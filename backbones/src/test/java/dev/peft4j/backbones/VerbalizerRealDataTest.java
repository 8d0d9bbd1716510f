package dev.peft4j.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Zero-shot verbalizer scoring with bert-base-uncased's MLM head on a few real CB and RTE
 * validation examples, with PET's pattern {@code "h"? | _, "p"}: it runs and gives finite scores
 * (no accuracy is claimed from eight examples). Tagged real-data: it needs the SuperGLUE data and
 * the BERT-Base artifact of the real-data profile.
 */
@Tag("real-data")
class VerbalizerRealDataTest {

    private static final int EXAMPLES = 8;

    private static Backbone backbone;

    @BeforeAll
    static void load() {
        backbone = Backbones.load("bert-base-uncased", Device.cpu());
    }

    @AfterAll
    static void close() {
        backbone.close();
    }

    @ParameterizedTest
    @CsvSource({"CB, yes:no:maybe, entailment:contradiction:neutral", "RTE, yes:no, entailment:not_entailment"})
    void zeroShotScoresAreFinite(String task, String words, String labels) throws IOException {
        List<String> texts = new ArrayList<>();
        List<Integer> gold = new ArrayList<>();
        List<String> labelNames = List.of(labels.split(":"));
        for (String line : Files.readAllLines(dataDir().resolve("superglue").resolve(task).resolve("val.jsonl"))
                .subList(0, EXAMPLES)) {
            JsonObject record = JsonParser.parseString(line).getAsJsonObject();
            texts.add(record.get("hypothesis").getAsString() + " ? [MASK] , " + record.get("premise").getAsString());
            gold.add(labelNames.indexOf(record.get("label").getAsString()));
        }
        Verbalizer verbalizer = Verbalizer.of(backbone, List.of(words.split(":")));
        EncodedBatch batch = backbone.getTokenizer().encode(texts, 128);
        verbalizer.checkMasks(batch);
        PromptClassifier classifier = PromptClassifier.builder().setEncoder(backbone.getEncoder())
                .optVerbalizer(verbalizer).build();
        try (NDManager step = backbone.getManager().newSubManager()) {
            classifier.initialize(step, DataType.FLOAT32, new Shape(1, 8));
            float[] scores = classifier.forward(new ParameterStore(step, false), batch.toNDList(step), false).head()
                    .toFloatArray();
            assertThat(scores).hasSize(EXAMPLES * labelNames.size());
            int correct = 0;
            for (int i = 0; i < EXAMPLES; i++) {
                int best = 0;
                for (int c = 0; c < labelNames.size(); c++) {
                    float s = scores[i * labelNames.size() + c];
                    assertThat(Float.isFinite(s)).as("score %d, %d", i, c).isTrue();
                    best = s > scores[i * labelNames.size() + best] ? c : best;
                }
                correct += best == gold.get(i) ? 1 : 0;
            }
            System.out.printf("%s zero-shot verbalizer (%s): %d of %d correct%n", task, words, correct, EXAMPLES);
        }
    }

    private static Path dataDir() {
        String dir = System.getProperty("peft4j.data.dir");
        if (dir == null || !Files.isDirectory(Path.of(dir, "superglue"))) {
            fail("The SuperGLUE test data is missing: system property peft4j.data.dir is '" + dir + "'");
        }
        return Path.of(dir);
    }
}
