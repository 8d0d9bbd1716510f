package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.api.PromptPlacement;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TextToTextClassifier;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.backbones.TinyT5Folder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.MultiTaskPredictor;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A T5 backbone through the one training core ({@link PromptTrainer}, {@link TrainingRun}): the
 * tiny T5 with its generated tokenizer, RTE in the T5 paper's text-to-text format on the synthetic
 * data, the prompt as the only learner and the gold label text's cross-entropy as the loss.
 */
class TextToTextTrainingTest {

    private static final Set<String> LAYER_METHODS = Set.of("prefix-tuning", "residual-prefix", "lora");

    private static Backbone t5;

    @BeforeAll
    static void loadBackbone() {
        t5 = Backbones.load(TinyT5Folder.shared().toString());
    }

    @AfterAll
    static void closeBackbone() {
        t5.close();
    }

    private static PromptTrainer trainer(Backbone backbone) {
        return TestTrainers.of(backbone, TestData.synthetic(), null, new TrainingListener() {});
    }

    private static RunSpec spec(String task, String method, @Nullable String head, Map<String, String> extra) {
        Map<String, String> shared = new TreeMap<>(Map.of("backbone", t5.getName(), "epochs", "3",
                "batch-size", "8", "max-length", "64", "train-limit", "32", "eval-limit", "16"));
        if (head != null) {
            shared.put("head", head);
        }
        shared.putAll(extra);
        return new RunSpec(method, task, 7, 4, 0.3, Map.of(), shared);
    }

    @Test
    void thePromptIsTheOnlyLearnerAndTheLossFalls() {
        List<Double> losses = new java.util.ArrayList<>();
        PromptTrainer trainer = TestTrainers.of(t5, TestData.synthetic(), null, new TrainingListener() {
            @Override
            public void onStep(RunSpec run, int epoch, int step, int steps, float loss) {
                losses.add((double) loss);
            }
        });
        TrainedRun run = trainer.train(spec("rte", "prompt-tuning", "text-to-text", Map.of("epochs", "6")));

        assertThat(run.result().trainableParameters()).as("P only").isEqualTo(4L * TinyT5Folder.HIDDEN);
        assertThat(run.result().epochs()).hasSize(6);
        assertThat(run.result().bestMetric()).isBetween(0.0, 1.0);
        assertThat(run.result().config()).containsEntry("head", "text-to-text");
        assertThat(run.headWeight()).isEmpty();
        assertThat(run.textToText()).isNotNull();
        assertThat(run.textToText().template()).isEqualTo("rte sentence1: {text_a} sentence2: {text_b}");
        assertThat(run.textToText().labelTexts()).containsExactly("entailment", "not_entailment");
        // the first steps' mean label-token cross-entropy is about ln(64) for an untrained tiny model
        assertThat(losses.get(0)).isBetween(1.0, 8.0);
        double first = losses.subList(0, 4).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(losses.size() - 4, losses.size()).stream().mapToDouble(Double::doubleValue)
                .average().orElseThrow();
        assertThat(last).as("losses %s", losses).isLessThan(first);
        // same seed, same run
        assertThat(trainer(t5).train(spec("rte", "prompt-tuning", "text-to-text", Map.of("epochs", "6"))).prompt())
                .isEqualTo(run.prompt());
    }

    @Test
    void everyReparameterizerTrainsOnT5UnchangedAndATextUpdateIsRefused() {
        for (String method : PluginRegistry.discover().getIds()) {
            RunSpec spec = spec("cb", method, "text-to-text", Map.of("epochs", "1", "train-limit", "8",
                    "eval-limit", "4"));
            if (method.equals("dept")) {
                // DePT also updates the text's embeddings, which the T5 path would silently drop
                assertThatThrownBy(() -> trainer(t5).train(spec)).isInstanceOf(InvalidOptionException.class)
                        .hasMessageContaining("Method 'dept' also updates the text's input embeddings");
                continue;
            }
            if (LAYER_METHODS.contains(method)) {
                // methods inside the encoder's layers: the T5 path applies input prompts only
                assertThatThrownBy(() -> trainer(t5).train(spec)).as(method).isInstanceOf(InvalidOptionException.class)
                        .hasMessageContaining("Method '" + method + "' acts inside the encoder's layers");
                continue;
            }
            TrainedRun run = trainer(t5).train(spec);
            assertThat(run.result().epochs()).as(method).hasSize(1);
            assertThat(run.prompt().shape().width()).as(method).isEqualTo(TinyT5Folder.HIDDEN);
        }
    }

    @Test
    void aZeroShotT5RunScoresTheTemplateAloneAndHasNothingToExport() {
        RunSpec spec = spec("rte", "prompt-tuning", "text-to-text", Map.of());
        RunSpec zeroShot = new RunSpec("prompt-tuning", "rte", 7, 0, 0.3, Map.of(), spec.shared());
        TrainedRun run = trainer(t5).train(zeroShot);

        assertThat(run.prompt()).isNull();
        assertThat(run.textToText()).isNotNull();
        assertThat(run.result().trainableParameters()).isZero();
        assertThat(run.result().exportedPromptParameters()).isZero();
        assertThat(run.result().epochs()).hasSize(1);
        assertThat(run.result().epochs().get(0).epoch()).isZero();
        assertThat(run.result().bestMetric()).isBetween(0.0, 1.0);
        // nothing is random: another seed scores the same
        RunSpec otherSeed = new RunSpec("prompt-tuning", "rte", 8, 0, 0.3, Map.of(), spec.shared());
        assertThat(trainer(t5).train(otherSeed).result().epochs().get(0).metrics())
                .isEqualTo(run.result().epochs().get(0).metrics());
        assertThatThrownBy(() -> run.toExport(t5, 64)).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("zero-shot");
    }

    @Test
    void aT5TakesNoPromptPlacementAndItsExportRecordsNone(@TempDir Path temp) throws Exception {
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("head", "text-to-text",
                TrainingConfig.PLACEMENT, "before-input"))).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("leave out --prompt-placement for a T5 backbone");
        // the default is accepted, and T5 run ids stay what they were
        assertThat(TrainingConfig.fromMap(Map.of("head", "text-to-text", TrainingConfig.PLACEMENT, "after-cls"))
                .toMap()).doesNotContainKey(TrainingConfig.PLACEMENT);

        TrainedRun run = trainer(t5).train(spec("rte", "prompt-tuning", "text-to-text", Map.of("epochs", "1")));
        ExportFolder export = run.toExport(t5, 64);
        assertThat(export.settings().placement()).isNull();
        Path folder = temp.resolve("export");
        export.write(folder);
        assertThat(Files.readString(folder.resolve(ExportFolder.SETTINGS_FILE))).doesNotContain("placement");
        assertThat(ExportFolder.read(folder).settings().placement()).isNull();
        try (Predictor predictor = Predictor.open(folder, t5)) {
            assertThat(predictor.getPlacement()).isEqualTo(PromptPlacement.BEFORE_INPUT);
        }

        ExportFolder.Settings s = export.settings();
        ExportFolder placed = new ExportFolder(export.adapter(), new float[0], new float[0], new ExportFolder.Settings(
                s.task(), s.labels(), s.backbone(), s.maxLength(), s.method(), s.options(), s.runId(), s.metric(),
                s.bestMetric(), s.head(), s.template(), s.labelWords(), "before-input"));
        assertThatThrownBy(() -> placed.write(temp.resolve("placed"))).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("records the prompt placement 'before-input', which a T5 prompt does not take");
    }

    @Test
    void theMultiTaskPredictorRefusesT5(@TempDir Path temp) {
        assertThatThrownBy(() -> MultiTaskPredictor.open(t5)).isInstanceOf(PeftException.class)
                .hasMessageContaining("is a T5");
        TrainedRun run = trainer(t5).train(spec("rte", "prompt-tuning", "text-to-text", Map.of("epochs", "1")));
        Path folder = temp.resolve("export");
        run.toExport(t5, 64).write(folder);
        try (Backbone bert = Backbones.load(TinyBertFolder.shared().toString());
                MultiTaskPredictor predictor = MultiTaskPredictor.open(bert)) {
            assertThatThrownBy(() -> predictor.addTask("rte", folder)).isInstanceOf(PeftException.class)
                    .hasMessageContaining("scores label texts with a T5 (text-to-text head)");
        }
    }

    @Test
    void anExportIsAPeftSeq2SeqAdapterThatEvalAndPredictorServeAlike(@TempDir Path temp) throws Exception {
        TrainedRun run = trainer(t5).train(spec("rte", "residual-prompt", "text-to-text", Map.of("epochs", "2")));
        Path folder = temp.resolve("export");
        run.toExport(t5, 64).write(folder);

        assertThat(folder.resolve(ExportFolder.HEAD_FILE)).doesNotExist();
        PromptAdapter adapter = PromptAdapterFiles.read(folder);
        assertThat(adapter.config().taskType()).isEqualTo(AdapterConfig.SEQ_2_SEQ_LM);
        assertThat(adapter.config().transformerSubmodules()).isEqualTo(2);
        assertThat(adapter.embeddings()).isEqualTo(run.prompt());
        assertThat(Files.readString(folder.resolve(PromptAdapterFiles.CONFIG_FILE)))
                .contains("\"num_transformer_submodules\": 2");
        ExportFolder export = ExportFolder.read(folder);
        assertThat(export.settings().headKind()).isEqualTo("text-to-text");
        assertThat(export.settings().template()).isEqualTo("rte sentence1: {text_a} sentence2: {text_b}");
        assertThat(export.settings().labelWords()).containsExactly("entailment", "not_entailment");

        Task rte = SuperGlueTasks.rte();
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        List<Example> val = rte.load("val", data.locate(rte, "val")).subList(0, 6);
        float[][] scores;
        try (ExportedClassifier classifier = new ExportedClassifier(export, t5, rte)) {
            scores = classifier.score(val);
        }
        List<String> first = val.stream().map(e -> e.inputs().get(0).text()).toList();
        List<String> second = val.stream().map(e -> Objects.requireNonNull(e.inputs().get(0).textPair())).toList();
        try (Predictor predictor = Predictor.open(folder, t5)) {
            assertThat(predictor.getPromptLength()).isEqualTo(4);
            List<Prediction> predicted = predictor.predictPairs(first, second);
            for (int i = 0; i < val.size(); i++) {
                double[] p = Evaluator.softmax(scores[i]);
                for (int c = 0; c < p.length; c++) {
                    assertThat(predicted.get(i).probabilities().get(rte.getLabels().get(c))).isCloseTo(p[c],
                            within(1e-5));
                }
            }
            // greedy decoding of free text: words of the tiny vocabulary, at most 3 of them
            String generated = predictor.generate(first.get(0), second.get(0), 3);
            assertThat(generated.isBlank() ? 0 : generated.split(" ").length).isBetween(0, 3);
            assertThatThrownBy(() -> predictor.generate("x", 0)).hasMessageContaining("at least 1");
        }
        // the adapter alone re-imported as the export's prompt scores the same
        ExportFolder reimported = new ExportFolder(PromptAdapterFiles.read(folder), new float[0], new float[0],
                export.settings());
        try (ExportedClassifier classifier = new ExportedClassifier(reimported, t5, rte)) {
            assertThat(classifier.score(val)).isDeepEqualTo(scores);
        }
    }

    @Test
    void aTextToTextExportNeedsASeq2SeqAdapter(@TempDir Path temp) throws Exception {
        TrainedRun run = trainer(t5).train(spec("rte", "prompt-tuning", "text-to-text", Map.of("epochs", "1")));
        ExportFolder export = run.toExport(t5, 64);
        AdapterConfig encoderOnly = AdapterConfig.promptTuning(run.prompt().shape(), 2, 4, null);
        ExportFolder wrong = new ExportFolder(new PromptAdapter(encoderOnly, run.prompt()), new float[0], new float[0],
                export.settings());
        assertThatThrownBy(() -> wrong.write(temp.resolve("wrong"))).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("where a T5 prompt is SEQ_2_SEQ_LM");
    }

    @Test
    void aStoppedT5RunResumesToTheSameResult(@TempDir Path uninterrupted, @TempDir Path interrupted) {
        RunSpec spec = spec("cb", "residual-prompt", "text-to-text", Map.of("train-limit", "16"));
        TrainedRun reference = TestTrainers.of(t5, TestData.synthetic(), uninterrupted, new TrainingListener() {})
                .train(spec);
        TrainingListener stop = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 1) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> TestTrainers.of(t5, TestData.synthetic(), interrupted, stop).train(spec))
                .hasMessage("forced stop");

        TrainedRun resumed = TestTrainers.of(t5, TestData.synthetic(), interrupted, new TrainingListener() {})
                .train(spec);

        assertThat(resumed.result().epochs()).isEqualTo(reference.result().epochs());
        assertThat(resumed.prompt()).isEqualTo(reference.prompt());
    }

    @Test
    void theHeadMustFitTheBackbone() {
        assertThatThrownBy(() -> trainer(t5).train(spec("rte", "prompt-tuning", null, Map.of())))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("--head text-to-text");
        try (Backbone bert = Backbones.load(TinyBertFolder.shared().toString())) {
            RunSpec onBert = new RunSpec("prompt-tuning", "rte", 7, 4, 0.3, Map.of(), Map.of("backbone",
                    bert.getName(), "head", "text-to-text", "epochs", "1", "train-limit", "4", "eval-limit", "4"));
            assertThatThrownBy(() -> trainer(bert).train(onBert)).isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("needs a T5 backbone");
        }
    }

    @Test
    void templatesAndLabelTextsFollowTheT5PaperOrTheUser() {
        TrainingConfig builtIn = TrainingConfig.fromMap(Map.of("head", "text-to-text"));
        TextToTextTemplate cb = TextToTextTemplate.resolve(SuperGlueTasks.cb(), builtIn);
        assertThat(cb.fill(TextInput.pair("It rained.", "The street is wet."))).isEqualTo(
                "cb hypothesis: The street is wet. premise: It rained.");
        assertThat(cb.labelTexts()).containsExactly("entailment", "contradiction", "neutral");
        TextToTextTemplate boolq = TextToTextTemplate.resolve(SuperGlueTasks.boolq(), builtIn);
        assertThat(boolq.labelTexts()).containsExactly("False", "True");
        assertThat(TextToTextTemplate.resolve(SuperGlueTasks.multirc(), builtIn).template())
                .isEqualTo("multirc question: {text_a} paragraph: {text_b}");
        TrainingConfig own = TrainingConfig.fromMap(Map.of("head", "text-to-text", "template",
                "nli premise: {text_a} hypothesis: {text_b}", "label-words", "entailment=yes,not_entailment=no"));
        TextToTextTemplate rte = TextToTextTemplate.resolve(SuperGlueTasks.rte(), own);
        assertThat(rte.labelTexts()).containsExactly("yes", "no");
        assertThat(rte.fill(TextInput.pair("a", "b"))).isEqualTo("nli premise: a hypothesis: b");
        assertThat(TrainingConfig.fromMap(own.toMap())).isEqualTo(own);
        assertThatThrownBy(() -> TextToTextTemplate.resolve(SuperGlueTasks.copa(), builtIn))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("multiple-choice");
        assertThatThrownBy(() -> TextToTextTemplate.resolve(SuperGlueTasks.rte(), TrainingConfig.fromMap(
                Map.of("head", "text-to-text", "template", "rte {text_a}")))).hasMessageContaining("{text_b}");
        assertThat(TextToTextClassifier.labelTokenIds(t5, rte.labelTexts())).hasSize(2);
    }
}
