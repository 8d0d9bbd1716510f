package dev.peft4j.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.inference.MultiTaskPredictor.Input;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MultiTaskPredictorTest {

    private static final int D = TinyBertFolder.HIDDEN;
    private static final List<String> NLI = List.of("entailment", "contradiction", "neutral");
    private static final List<String> YES_NO = List.of("yes", "no");
    private static final List<String> TEXTS = List.of(
            "the cat sat on the mat",
            "emma saw the red ball in the park after school",
            "it rain",
            "ben walked to the station with his friend in the morning and then went home late at night",
            "the lamp fell off the table");

    @TempDir
    static Path temp;

    private static Backbone backbone;
    /** Task name to export folder: linear heads with prompts of 2, 5 and 3 vectors, and a verbalizer. */
    private static final Map<String, Path> FOLDERS = new LinkedHashMap<>();
    private static final Map<String, Predictor> SINGLE = new LinkedHashMap<>();

    @BeforeAll
    static void load() {
        backbone = Backbones.load(TinyBertFolder.shared().toString(), Device.cpu());
        String name = backbone.getName();
        FOLDERS.put("cb", write(linear(2, NLI, name, 64, 1), "cb"));
        FOLDERS.put("rte", write(linear(5, YES_NO, name, 40, 2), "rte"));
        FOLDERS.put("boolq", write(linear(3, List.of("true", "false", "maybe", "never"), name, 128, 3), "boolq"));
        FOLDERS.put("cloze", write(verbalizer(4, name, 48, 4), "cloze"));
        FOLDERS.forEach((task, folder) -> SINGLE.put(task, Predictor.open(folder, backbone)));
    }

    @AfterAll
    static void close() {
        SINGLE.values().forEach(Predictor::close);
        backbone.close();
    }

    static ExportFolder linear(int n, List<String> labels, String backboneName, int maxLength, long seed) {
        Random random = new Random(seed);
        return new ExportFolder(adapter(n, backboneName, random), gaussian(random, labels.size() * D, 0.5f),
                gaussian(random, labels.size(), 0.1f), new ExportFolder.Settings("task", labels, backboneName,
                        maxLength, "prompt-tuning", Map.of(), "test-run", "acc", 0.5));
    }

    static ExportFolder verbalizer(int n, String backboneName, int maxLength, long seed) {
        Random random = new Random(seed);
        return new ExportFolder(adapter(n, backboneName, random), new float[0], new float[0],
                new ExportFolder.Settings("cb", NLI, backboneName, maxLength, "prompt-tuning", Map.of(), "test-run",
                        "acc", 0.5, "verbalizer", "{text_a} ? [MASK] , {text_b}", NLI));
    }

    private static PromptAdapter adapter(int n, String backboneName, Random random) {
        PromptShape shape = new PromptShape(n, D);
        return new PromptAdapter(AdapterConfig.promptTuning(shape, TinyBertFolder.LAYERS, TinyBertFolder.HEADS,
                backboneName), new PromptEmbeddings(shape, gaussian(random, n * D, 0.5f)));
    }

    private static float[] gaussian(Random random, int size, float scale) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }

    private static Path write(ExportFolder export, String name) {
        return Exports.write(export, temp.resolve(name));
    }

    /** Rows of every task, singles and pairs, interleaved. */
    private static List<Input> mixedRows() {
        List<Input> rows = new ArrayList<>();
        List<String> tasks = List.copyOf(FOLDERS.keySet());
        for (int i = 0; i < 2 * TEXTS.size(); i++) {
            String task = tasks.get(i % tasks.size());
            String a = TEXTS.get(i % TEXTS.size());
            String b = TEXTS.get((i + 2) % TEXTS.size());
            // the verbalizer's template needs both texts
            rows.add(task.equals("cloze") || i % 3 == 0 ? new Input(task, a, b) : new Input(task, a));
        }
        return rows;
    }

    private static Prediction expected(Input row) {
        Predictor single = SINGLE.get(row.task());
        return row.textB() == null ? single.predict(row.textA()) : single.predict(row.textA(), row.textB());
    }

    private static void assertSame(Prediction actual, Prediction expected) {
        assertThat(actual.label()).isEqualTo(expected.label());
        assertThat(actual.probabilities().keySet()).containsExactlyElementsOf(expected.probabilities().keySet());
        expected.probabilities().forEach((label, p) ->
                assertThat(actual.probabilities().get(label)).isCloseTo(p, within(1e-5)));
    }

    @Test
    void aMixedBatchEqualsOneSingleTaskPredictorPerTask() {
        try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone, FOLDERS)) {
            assertThat(predictor.getTasks()).containsExactlyElementsOf(FOLDERS.keySet());
            List<Input> rows = mixedRows();
            List<Prediction> mixed = predictor.predictAll(rows);
            assertThat(mixed).hasSize(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                assertSame(mixed.get(i), expected(rows.get(i)));
            }
            assertSame(predictor.predict("cb", TEXTS.get(0)), SINGLE.get("cb").predict(TEXTS.get(0)));
            assertSame(predictor.predict("rte", TEXTS.get(1), TEXTS.get(2)),
                    SINGLE.get("rte").predict(TEXTS.get(1), TEXTS.get(2)));
            // an overlong text is truncated to each task's own maxLength
            String longText = String.join(" ", java.util.Collections.nCopies(20, TEXTS.get(3)));
            List<Input> longRows = List.of(new Input("rte", longText), new Input("boolq", longText),
                    new Input("cloze", TEXTS.get(0), longText), new Input("cb", longText, longText));
            List<Prediction> truncated = predictor.predictAll(longRows);
            for (int i = 0; i < longRows.size(); i++) {
                assertSame(truncated.get(i), expected(longRows.get(i)));
            }
            // more rows than one forward pass takes
            List<Input> many = new ArrayList<>();
            while (many.size() < predictor.getBatchSize() + 5) {
                many.addAll(rows);
            }
            List<Prediction> split = predictor.predictAll(many);
            for (int i = 0; i < many.size(); i++) {
                assertSame(split.get(i), mixed.get(i % rows.size()));
            }
            assertThat(predictor.predictAll(List.of())).isEmpty();
        }
        assertThat(backbone.getManager().isOpen()).isTrue();
    }

    @Test
    void aTaskCostsOnlyItsPromptAndHead() {
        try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone, FOLDERS)) {
            assertThat(predictor.getTaskBytes("cb")).isEqualTo((2L * D + 3L * D + 3) * Float.BYTES);
            assertThat(predictor.getTaskBytes("rte")).isEqualTo((5L * D + 2L * D + 2) * Float.BYTES);
            // a verbalizer scores with the backbone's own MLM head: the prompt is all it adds
            assertThat(predictor.getTaskBytes("cloze")).isEqualTo(4L * D * Float.BYTES);
        }
    }

    @Test
    void unknownTasksBlankTextsAndOtherBackbonesAreRefusedClearly() {
        try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone, FOLDERS)) {
            assertThatThrownBy(() -> predictor.predict("rtee", "the cat"))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("Unknown task 'rtee'")
                    .hasMessageContaining("did you mean 'rte'?")
                    .hasMessageContaining("[cb, rte, boolq, cloze]");
            assertThatThrownBy(() -> predictor.predict("sentiment", "the cat"))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("Unknown task 'sentiment'")
                    .hasMessageNotContaining("did you mean");
            assertThatThrownBy(() -> predictor.predictAll(List.of(new Input("cb", "the cat"), new Input("rte", " "))))
                    .isInstanceOf(PeftException.class).hasMessageContaining("textA of row 1 is empty or blank");
            assertThatThrownBy(() -> predictor.addTask("cb", FOLDERS.get("rte")))
                    .isInstanceOf(PeftException.class).hasMessageContaining("'cb' is already served");

            Path other = write(linear(2, NLI, "bert-base-uncased", 64, 9), "other-backbone");
            assertThatThrownBy(() -> predictor.addTask("other", other))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("trained on the backbone 'bert-base-uncased'");
            Path tooLong = write(linear(2, NLI, backbone.getName(), 500, 9), "too-long");
            assertThatThrownBy(() -> predictor.addTask("long", tooLong))
                    .isInstanceOf(PeftException.class).hasMessageContaining("maxLength 500");
            Path choice = write(linear(2, List.of("choice"), backbone.getName(), 64, 9), "choice");
            assertThatThrownBy(() -> predictor.addTask("copa", choice))
                    .isInstanceOf(PeftException.class).hasMessageContaining("scores choices");
            assertThat(predictor.getTasks()).containsExactlyElementsOf(FOLDERS.keySet());
        }
    }

    @Test
    void tasksAreAddedAndRemovedWhileServing() {
        MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone);
        predictor.addTask("cb", FOLDERS.get("cb"));
        assertSame(predictor.predict("cb", TEXTS.get(0)), SINGLE.get("cb").predict(TEXTS.get(0)));
        predictor.addTask("rte", FOLDERS.get("rte"));
        assertThat(predictor.removeTask("cb")).isTrue();
        assertThat(predictor.removeTask("cb")).isFalse();
        assertThatThrownBy(() -> predictor.predict("cb", TEXTS.get(0)))
                .isInstanceOf(PeftException.class).hasMessageContaining("Unknown task 'cb'");
        assertSame(predictor.predict("rte", TEXTS.get(0)), SINGLE.get("rte").predict(TEXTS.get(0)));
        predictor.addTask("cb", FOLDERS.get("cb")); // the name is free again
        assertSame(predictor.predict("cb", TEXTS.get(1)), SINGLE.get("cb").predict(TEXTS.get(1)));
        // a new export under the same name, in one step
        predictor.replaceTask("cb", FOLDERS.get("boolq"));
        assertThat(predictor.getTasks()).containsExactly("rte", "cb");
        assertThat(predictor.getLabels("cb")).isEqualTo(SINGLE.get("boolq").getLabels());
        assertSame(predictor.predict("cb", TEXTS.get(1)), SINGLE.get("boolq").predict(TEXTS.get(1)));
        assertThatThrownBy(() -> predictor.replaceTask("mrpc", FOLDERS.get("cb")))
                .isInstanceOf(PeftException.class).hasMessageContaining("Unknown task 'mrpc'");
        assertThat(predictor.getTasks()).containsExactly("rte", "cb");
        predictor.close();
        predictor.close();
        assertThat(predictor.isClosed()).isTrue();
        assertThatThrownBy(() -> predictor.predict("cb", TEXTS.get(0)))
                .isInstanceOf(PeftException.class).hasMessageContaining("multi-task predictor is closed");
        assertThatThrownBy(() -> predictor.addTask("cb", FOLDERS.get("cb")))
                .isInstanceOf(PeftException.class).hasMessageContaining("multi-task predictor is closed");
        assertThat(backbone.getManager().isOpen()).isTrue();
    }

    @Test
    void threadsPredictCorrectlyWhileTasksComeAndGo() throws Exception {
        List<Input> stableRows = mixedRows().stream().filter(r -> !r.task().equals("boolq")).toList();
        List<Prediction> stableExpected = stableRows.stream().map(MultiTaskPredictorTest::expected).toList();
        List<Input> churnRows = List.of(new Input("boolq", TEXTS.get(1)), new Input("cb", TEXTS.get(2)),
                new Input("boolq", TEXTS.get(3), TEXTS.get(4)));
        List<Prediction> churnExpected = churnRows.stream().map(MultiTaskPredictorTest::expected).toList();
        Map<String, Path> stable = new LinkedHashMap<>(FOLDERS);
        stable.remove("boolq");
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try (MultiTaskPredictor predictor = MultiTaskPredictor.open(backbone, stable)) {
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                boolean usesChurningTask = t % 2 == 0;
                workers.add(pool.submit(() -> {
                    start.await();
                    int calls = 0;
                    int successes = 0;
                    while (!stop.get() || calls < 5) {
                        calls++;
                        if (usesChurningTask) {
                            // the task may be gone: then the call fails before it starts, never midway
                            List<Prediction> got;
                            try {
                                got = predictor.predictAll(churnRows);
                            } catch (PeftException e) {
                                assertThat(e).hasMessageContaining("'boolq'");
                                continue;
                            }
                            for (int i = 0; i < got.size(); i++) {
                                assertSame(got.get(i), churnExpected.get(i));
                            }
                        } else {
                            List<Prediction> got = predictor.predictAll(stableRows);
                            for (int i = 0; i < got.size(); i++) {
                                assertSame(got.get(i), stableExpected.get(i));
                            }
                        }
                        successes++;
                    }
                    return successes;
                }));
            }
            start.countDown();
            for (int round = 0; round < 15; round++) {
                predictor.addTask("boolq", FOLDERS.get("boolq"));
                List<Prediction> got = predictor.predictAll(churnRows);
                for (int i = 0; i < got.size(); i++) {
                    assertSame(got.get(i), churnExpected.get(i));
                }
                predictor.replaceTask("boolq", FOLDERS.get("boolq")); // frees the old arrays once unused
                assertThat(predictor.removeTask("boolq")).isTrue();
            }
            stop.set(true);
            for (Future<Integer> worker : workers) {
                assertThat(worker.get(2, TimeUnit.MINUTES)).isNotNegative();
            }
            for (int t = 1; t < 4; t += 2) {
                assertThat(workers.get(t).get()).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
