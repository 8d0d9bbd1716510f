package dev.peft4j.inference.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictorModuleTest {

    @TempDir
    Path temp;

    /** A host class that receives the predictor by constructor injection. */
    static final class SentimentService {
        private final Predictor predictor;

        @Inject
        SentimentService(Predictor predictor) {
            this.predictor = predictor;
        }

        String classify(String text) {
            return predictor.predict(text).label();
        }
    }

    @Test
    void injectsOneLazilyOpenedPredictor() {
        PromptShape shape = new PromptShape(2, 384);
        float[] prompt = new float[(int) shape.size()];
        float[] weight = new float[2 * 384];
        weight[0] = 1f;
        Path folder = temp.resolve("export");
        new ExportFolder(new PromptAdapter(AdapterConfig.promptTuning(shape, 6, 12, "all-minilm-l6-v2"),
                new PromptEmbeddings(shape, prompt)), weight, new float[] {0f, 0.5f},
                new ExportFolder.Settings("sst", List.of("negative", "positive"), "all-minilm-l6-v2", 32, "m", Map.of(),
                        "r", "acc", 0)).write(folder);

        Injector injector = Guice.createInjector(new PredictorModule(folder));
        SentimentService service = injector.getInstance(SentimentService.class);
        Predictor predictor = injector.getInstance(Predictor.class);
        try {
            assertThat(injector.getInstance(Predictor.class)).isSameAs(predictor);
            assertThat(predictor.getExportFolder()).isEqualTo(folder);
            assertThat(service.classify("What a lovely day.")).isIn("negative", "positive");
            Prediction p = predictor.predict("What a lovely day.");
            assertThat(p.probabilities()).containsOnlyKeys("negative", "positive");
        } finally {
            predictor.close();
        }
    }

    @Test
    void configureReadsNothingAndABrokenExportFailsOnFirstUse() {
        Path missing = temp.resolve("missing");
        // creating the injector touches no file
        Injector injector = Guice.createInjector(new PredictorModule(missing));
        assertThatThrownBy(() -> injector.getInstance(Predictor.class))
                .isInstanceOf(ProvisionException.class)
                .hasMessageContaining("missing")
                .hasMessageContaining("does not exist");
        assertThat(new PredictorModule(missing)).isEqualTo(new PredictorModule(missing));
        // installing the same module twice is harmless
        Guice.createInjector(new PredictorModule(missing), new PredictorModule(missing));
    }
}
