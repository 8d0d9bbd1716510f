package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.ShapeMismatchException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictorTest {

    private static final List<String> TEXTS = List.of(
            "The cat sat on the mat.",
            "Stocks fell sharply after the announcement of new tariffs on imported steel.",
            "I loved it",
            "A very long sentence that keeps going with many words so that it is padded differently from the rest.",
            "Rain.",
            "Nobody knows whether the meeting will take place tomorrow or next week.");
    private static final List<String> REVERSED = reversed(TEXTS);

    @TempDir
    static Path temp;

    private static Backbone backbone;
    private static Path folder;
    private static Predictor predictor;

    @BeforeAll
    static void load() {
        backbone = Backbones.load(Exports.MINILM);
        folder = Exports.write(Exports.random(5, 7), temp.resolve("export"));
        predictor = Predictor.open(folder, backbone);
    }

    @AfterAll
    static void close() {
        predictor.close();
        backbone.close();
    }

    private static List<String> reversed(List<String> texts) {
        List<String> copy = new ArrayList<>(texts);
        Collections.reverse(copy);
        return List.copyOf(copy);
    }

    private static void assertWellFormed(Prediction p) {
        assertThat(p.probabilities()).containsOnlyKeys(Exports.LABELS);
        assertThat(new ArrayList<>(p.probabilities().keySet())).containsExactlyElementsOf(Exports.LABELS);
        double sum = p.probabilities().values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        assertThat(p.score()).isEqualTo(p.probabilities().get(p.label()));
        assertThat(p.score()).isEqualTo(Collections.max(p.probabilities().values()));
        assertThat(p.probabilities().values()).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
    }

    private static void assertSame(Prediction actual, Prediction expected, double tolerance) {
        assertThat(actual.label()).isEqualTo(expected.label());
        for (String label : Exports.LABELS) {
            assertThat(actual.probabilities().get(label)).isCloseTo(expected.probabilities().get(label),
                    within(tolerance));
        }
    }

    @Test
    void predictsOneLabelPerTextWithProbabilitiesSummingToOne() {
        assertThat(predictor.getLabels()).isEqualTo(Exports.LABELS);
        assertThat(predictor.getPromptLength()).isEqualTo(5);
        assertThat(predictor.getMaxTokens()).isEqualTo(64 - 5);
        Prediction single = predictor.predict("The cat sat on the mat.");
        assertWellFormed(single);
        Prediction pair = predictor.predict("It is raining.", "The street is wet.");
        assertWellFormed(pair);

        List<Prediction> all = predictor.predictAll(TEXTS);
        assertThat(all).hasSize(TEXTS.size()).allSatisfy(PredictorTest::assertWellFormed);
        List<Prediction> pairs = predictor.predictPairs(TEXTS, REVERSED);
        assertThat(pairs).hasSize(TEXTS.size()).allSatisfy(PredictorTest::assertWellFormed);
        assertThat(predictor.predictAll(List.of())).isEmpty();
        // a random head on varied texts does not give one constant answer
        assertThat(all.stream().map(p -> p.probabilities().get("entailment")).distinct()).hasSizeGreaterThan(1);
    }

    @Test
    void batchedPredictionsEqualSingleOnes() {
        List<Prediction> batched = predictor.predictAll(TEXTS);
        List<Prediction> pairs = predictor.predictPairs(TEXTS, REVERSED);
        for (int i = 0; i < TEXTS.size(); i += 2) {
            assertSame(batched.get(i), predictor.predict(TEXTS.get(i)), 1e-5);
            assertSame(pairs.get(i + 1), predictor.predict(TEXTS.get(i + 1), REVERSED.get(i + 1)), 1e-5);
        }
        // more texts than one forward pass takes: split into batches, results still in order
        List<String> many = new ArrayList<>();
        for (int i = 0; i < predictor.getBatchSize() + 3; i++) {
            many.add(TEXTS.get(i % TEXTS.size()));
        }
        List<Prediction> split = predictor.predictAll(many);
        assertThat(split).hasSize(many.size());
        for (int i = 0; i < many.size(); i++) {
            assertSame(split.get(i), batched.get(i % TEXTS.size()), 1e-5);
        }
    }

    @Test
    void concurrentCallersGetTheSequentialResults() throws Exception {
        final int perThread = 3;
        List<Prediction> expected = new ArrayList<>();
        for (String text : TEXTS) {
            expected.add(predictor.predict(text));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Prediction>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Prediction> out = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        out.add(predictor.predict(TEXTS.get((i + offset) % TEXTS.size())));
                    }
                    return out;
                }));
            }
            start.countDown();
            for (int t = 0; t < 8; t++) {
                List<Prediction> got = futures.get(t).get(2, TimeUnit.MINUTES);
                assertThat(got).hasSize(perThread);
                for (int i = 0; i < perThread; i++) {
                    assertSame(got.get(i), expected.get((i + t) % TEXTS.size()), 1e-6);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeWaitsForCallsInFlightAndLaterCallsFailClearly() throws Exception {
        Predictor own = Predictor.open(folder, backbone);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicInteger done = new AtomicInteger();
        CountDownLatch someDone = new CountDownLatch(4);
        List<Future<Throwable>> futures = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    try {
                        while (true) {
                            own.predictAll(TEXTS);
                            done.incrementAndGet();
                            someDone.countDown();
                        }
                    } catch (Throwable e) {
                        someDone.countDown();
                        return e;
                    }
                }));
            }
            assertThat(someDone.await(2, TimeUnit.MINUTES)).isTrue();
            own.close();
            for (Future<Throwable> future : futures) {
                assertThat(future.get(2, TimeUnit.MINUTES))
                        .isInstanceOf(PeftException.class)
                        .hasMessageContaining("predictor is closed");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(done.get()).isPositive();
        assertThat(own.isClosed()).isTrue();
        assertThatThrownBy(() -> own.predict("Hello there."))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("predictor is closed")
                .hasMessageContaining(folder.toString());
        own.close(); // twice is harmless
        // the shared backbone stays open for its other users
        assertThat(backbone.getManager().isOpen()).isTrue();
        assertWellFormed(predictor.predict("Still works."));
    }

    @Test
    void openWithoutABackboneLoadsAndClosesItsOwn() {
        Prediction expected = predictor.predict("The cat sat on the mat.");
        Backbone own;
        try (Predictor p = Predictor.open(folder)) {
            own = p.getBackbone();
            assertThat(own).isNotSameAs(backbone);
            assertSame(p.predict("The cat sat on the mat."), expected, 1e-5);
        }
        assertThat(own.getManager().isOpen()).isFalse();
    }

    @Test
    void overlongTextIsTruncatedToTheExportsMaxLength() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            text.append("word").append(i % 50).append(' ');
        }
        String longText = text.toString();
        Prediction p = predictor.predict(longText);
        assertWellFormed(p);
        // words past maxLength are cut: adding more changes nothing
        assertSame(predictor.predict(longText + " completely different ending here"), p, 0);
        assertWellFormed(predictor.predict(longText, longText));
    }

    @Test
    void emptyTextsAreRefused() {
        assertThatThrownBy(() -> predictor.predict(""))
                .isInstanceOf(PeftException.class).hasMessageContaining("text is empty or blank");
        assertThatThrownBy(() -> predictor.predict("premise", "  "))
                .isInstanceOf(PeftException.class).hasMessageContaining("textB is empty or blank");
        assertThatThrownBy(() -> predictor.predictAll(List.of("fine", " ")))
                .isInstanceOf(PeftException.class).hasMessageContaining("text 1 of texts is empty or blank");
        assertThatThrownBy(() -> predictor.predictPairs(List.of("a", "b"), List.of("c")))
                .isInstanceOf(PeftException.class).hasMessageContaining("2 first texts but 1 second texts");
    }

    @Test
    void missingFolderAndFilesAreReportedByName() throws Exception {
        Path missing = temp.resolve("nowhere");
        assertThatThrownBy(() -> Predictor.open(missing, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("nowhere").hasMessageContaining("does not exist");

        Path noHead = Exports.write(Exports.random(3, 1), temp.resolve("no-head"));
        Files.delete(noHead.resolve(ExportFolder.HEAD_FILE));
        assertThatThrownBy(() -> Predictor.open(noHead, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("has no head.safetensors")
                .hasMessageContaining("PromptedEncoder");

        Path corruptSettings = Exports.write(Exports.random(3, 1), temp.resolve("corrupt-settings"));
        Files.writeString(corruptSettings.resolve(ExportFolder.SETTINGS_FILE), "{ this is not json");
        assertThatThrownBy(() -> Predictor.open(corruptSettings, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(corruptSettings.resolve(ExportFolder.SETTINGS_FILE).toString());

        Path emptySettings = Exports.write(Exports.random(3, 1), temp.resolve("empty-settings"));
        Files.writeString(emptySettings.resolve(ExportFolder.SETTINGS_FILE), "{}");
        assertThatThrownBy(() -> Predictor.open(emptySettings, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("has no 'labels'");

        Path corruptHead = Exports.write(Exports.random(3, 1), temp.resolve("corrupt-head"));
        Files.write(corruptHead.resolve(ExportFolder.HEAD_FILE), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Predictor.open(corruptHead, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining(ExportFolder.HEAD_FILE);

        Path truncatedPrompt = Exports.write(Exports.random(3, 1), temp.resolve("truncated-prompt"));
        Path weights = truncatedPrompt.resolve("adapter_model.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> Predictor.open(truncatedPrompt, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void aPromptForAnotherWidthIsRefusedNamingBothWidths() {
        Path wide = Exports.write(Exports.random(4, 768, Exports.LABELS, Exports.MINILM, 64, 3), temp.resolve("wide"));
        assertThatThrownBy(() -> Predictor.open(wide, backbone))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("token_dim 768")
                .hasMessageContaining("width 384");
    }

    @Test
    void aLoraConfigBesideAPromptTableIsRefusedNamingTheTensorFile() throws Exception {
        Path lora = Exports.write(Exports.random(3, 1), temp.resolve("lora"));
        Files.writeString(lora.resolve("adapter_config.json"),
                "{\"peft_type\": \"LORA\", \"r\": 8, \"lora_alpha\": 16, \"target_modules\": [\"query\", \"value\"]}");
        assertThatThrownBy(() -> Predictor.open(lora, backbone))
                .isInstanceOf(PromptFormatException.class)
                // LORA exports are read since issue 15; this folder's tensors are a prompt's
                .hasMessageContaining("adapter_model.safetensors holds no LoRA factors")
                .hasMessageContaining("[prompt_embeddings]");
    }

    @Test
    void multipleChoiceExportsAndMismatchedFilesAreRefused() {
        Path choice = Exports.write(Exports.random(3, 384, List.of("choice"), Exports.MINILM, 64, 4),
                temp.resolve("choice"));
        assertThatThrownBy(() -> Predictor.open(choice, backbone))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("scores choices")
                .hasMessageContaining("Predictor serves classifiers");

        ExportFolder three = Exports.random(3, 5);
        ExportFolder twoLabels = new ExportFolder(three.adapter(), three.headWeight(), three.headBias(),
                new ExportFolder.Settings("cb", List.of("yes", "no"), Exports.MINILM, 64, "m", java.util.Map.of(),
                        "r", "acc", 0));
        Path mismatched = Exports.write(twoLabels, temp.resolve("mismatched"));
        assertThatThrownBy(() -> Predictor.open(mismatched, backbone))
                .isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("head with 3 outputs but peft4j.json lists 2 labels");

        Path tooLong = Exports.write(Exports.random(3, 384, Exports.LABELS, Exports.MINILM, 5000, 6),
                temp.resolve("too-long"));
        assertThatThrownBy(() -> Predictor.open(tooLong, backbone))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("maxLength 5000");

        Path otherModel = Exports.write(Exports.random(3, 384, Exports.LABELS, "bge-small-en-v1.5", 64, 6),
                temp.resolve("other-model"));
        assertThatThrownBy(() -> Predictor.open(otherModel, backbone))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("trained on the backbone 'bge-small-en-v1.5'")
                .hasMessageContaining("'all-minilm-l6-v2'");
    }
}
