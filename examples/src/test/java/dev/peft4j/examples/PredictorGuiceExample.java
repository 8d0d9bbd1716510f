package dev.peft4j.examples;

import com.google.inject.Guice;
import com.google.inject.Injector;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import dev.peft4j.inference.guice.PredictorModule;
import jakarta.inject.Inject;
import java.nio.file.Path;

/** The README's Guice example: a host service gets a ready {@link Predictor} injected. */
public final class PredictorGuiceExample {

    private PredictorGuiceExample() {}

    /** A host service: answers only when the model is confident enough. */
    public static final class EntailmentService {
        private final Predictor predictor;

        /** Guice passes the predictor opened by {@link PredictorModule}. */
        @Inject
        public EntailmentService(Predictor predictor) {
            this.predictor = predictor;
        }

        /** The label, or {@code "unsure"} below probability 0.4. */
        public String judge(String premise, String hypothesis) {
            Prediction p = predictor.predict(premise, hypothesis);
            return p.score() >= 0.4 ? p.label() : "unsure";
        }
    }

    /** Wires the service with Guice and asks it once. */
    public static String judgeOnce(Path exportFolder, String premise, String hypothesis) {
        // configure() reads nothing; the predictor opens on first injection, once (a singleton)
        Injector injector = Guice.createInjector(new PredictorModule(exportFolder));
        // Guice has no shutdown hook: the host closes the predictor when it stops
        try (Predictor predictor = injector.getInstance(Predictor.class)) {
            return injector.getInstance(EntailmentService.class).judge(premise, hypothesis);
        }
    }
}
