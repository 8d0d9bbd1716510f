package dev.peft4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PredictorExamplesTest {

    private static final List<String> CB_LABELS = List.of("entailment", "contradiction", "neutral");
    private static final List<String> PREMISES = List.of("The dog barked all night.", "She never went to Paris.",
            "It is raining.");
    private static final List<String> HYPOTHESES = List.of("The dog was quiet.", "She went to Paris.",
            "The street is wet.");

    @Test
    void javaExampleClassifiesEveryPairAsTheTrainedPromptDoes() {
        Path folder = TrainedExport.folder();
        List<String> labels = PredictorJavaExample.classify(folder, PREMISES, HYPOTHESES);

        assertThat(labels).hasSize(3).allSatisfy(label -> assertThat(CB_LABELS).contains(label));
        try (Predictor predictor = Predictor.open(folder)) {
            assertThat(predictor.getLabels()).isEqualTo(CB_LABELS);
            for (int i = 0; i < PREMISES.size(); i++) {
                assertThat(labels.get(i)).isEqualTo(predictor.predict(PREMISES.get(i), HYPOTHESES.get(i)).label());
            }
        }
    }

    @Test
    void multiTaskExampleGivesEachRowItsOwnTasksPrediction() {
        Path folder = TrainedExport.folder();
        // the same export under two task names: each row must equal the single-task Predictor's label
        String backbone;
        List<String> expected;
        try (Predictor predictor = Predictor.open(folder)) {
            backbone = predictor.getSettings().backbone();
            expected = List.of(predictor.predict("It is raining.", "The street is wet.").label(),
                    predictor.predict("A man sleeps.", "A person rests.").label(),
                    predictor.predict("Nobody came.", "The party was full.").label());
        }

        assertThat(MultiTaskJavaExample.classifyMixed(backbone, folder, folder)).isEqualTo(expected);
    }

    @Test
    void serverExampleAnswersOverHttpAsThePredictorDoes() throws Exception {
        Path folder = TrainedExport.folder();
        JsonObject answer = JsonParser.parseString(
                ServerGuiceExample.askOnce(folder, "It is raining.", "The street is wet.")).getAsJsonObject();

        try (Predictor predictor = Predictor.open(folder)) {
            Prediction p = predictor.predict("It is raining.", "The street is wet.");
            assertThat(answer.get("task").getAsString()).isEqualTo("cb");
            assertThat(answer.get("label").getAsString()).isEqualTo(p.label());
            assertThat(answer.get("score").getAsDouble()).isCloseTo(p.score(), within(1e-5));
        }
    }

    @Test
    void guiceExampleInjectsAReadyPredictor() {
        Path folder = TrainedExport.folder();
        String answer = PredictorGuiceExample.judgeOnce(folder, "It is raining.", "The street is wet.");

        try (Predictor predictor = Predictor.open(folder)) {
            Prediction p = predictor.predict("It is raining.", "The street is wet.");
            assertThat(answer).isEqualTo(p.score() >= 0.4 ? p.label() : "unsure");
        }
    }
}
