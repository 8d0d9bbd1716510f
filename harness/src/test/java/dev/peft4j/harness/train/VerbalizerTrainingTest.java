package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.PeftException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.plugins.PluginRegistry;
import dev.peft4j.api.PromptFormatException;
import dev.peft4j.harness.eval.Evaluator;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.Task;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verbalizer head end to end on the synthetic data with the tiny random BERT and its MLM head. */
class VerbalizerTrainingTest {

    /** Words of the tiny vocabulary, one word piece each (the built-in yes/no/maybe are not in it). */
    private static final String CB_WORDS = "entailment=entailment,contradiction=contradiction,neutral=neutral";

    private static Backbone backbone;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static PromptTrainer trainer(@Nullable Path checkpoints, TrainingListener listener) {
        return TestTrainers.of(backbone, TestData.synthetic(), checkpoints, listener);
    }

    private static RunSpec spec(Map<String, String> extra) {
        Map<String, String> shared = new TreeMap<>(Map.of("backbone", backbone.getName(),
                "epochs", "3", "batch-size", "4", "max-length", "64", "train-limit", "12", "eval-limit", "12"));
        shared.putAll(extra);
        return new RunSpec("prompt-tuning", "cb", 7, 4, 0.3, Map.of(), shared);
    }

    private static RunSpec verbalizer() {
        return spec(Map.of("head", "verbalizer", "label-words", CB_WORDS));
    }

    @Test
    void thePromptIsTheOnlyLearnerAndTheRunRecordsItsHead() {
        TrainedRun run = trainer(null, new TrainingListener() {}).train(verbalizer());

        int d = TinyBertFolder.HIDDEN;
        assertThat(run.result().trainableParameters()).as("P only, no head").isEqualTo(4L * d);
        assertThat(run.result().epochs()).hasSize(3);
        assertThat(run.result().bestMetric()).isBetween(0.0, 1.0);
        assertThat(run.headWeight()).isEmpty();
        assertThat(run.verbalizer()).isNotNull();
        assertThat(run.verbalizer().template()).isEqualTo("{text_b:no-final-punctuation} ? [MASK] , {text_a}");
        assertThat(run.verbalizer().labelWords()).containsExactly("entailment", "contradiction", "neutral");
        assertThat(run.result().config()).containsEntry("head", "verbalizer").containsEntry("label-words", CB_WORDS);
        assertThat(verbalizer().getRunId()).isNotEqualTo(spec(Map.of()).getRunId());
        // same seed, same run
        assertThat(trainer(null, new TrainingListener() {}).train(verbalizer()).prompt()).isEqualTo(run.prompt());
    }

    @Test
    void anExportServesPredictorAndEvalAlike(@TempDir Path temp) {
        TrainedRun run = trainer(null, new TrainingListener() {}).train(verbalizer());
        Path folder = temp.resolve("export");
        run.toExport(backbone, 64).write(folder);

        assertThat(folder.resolve(ExportFolder.HEAD_FILE)).doesNotExist();
        ExportFolder export = ExportFolder.read(folder);
        assertThat(export.settings().headKind()).isEqualTo("verbalizer");
        assertThat(export.settings().template()).isEqualTo("{text_b:no-final-punctuation} ? [MASK] , {text_a}");
        assertThat(export.settings().labelWords()).containsExactly("entailment", "contradiction", "neutral");

        Task cb = SuperGlueTasks.cb();
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        List<Example> val = cb.load("val", data.locate(cb, "val")).subList(0, 6);
        float[][] scores;
        try (ExportedClassifier classifier = new ExportedClassifier(export, backbone, cb)) {
            scores = classifier.score(val);
        }
        List<String> first = val.stream().map(e -> e.inputs().get(0).text()).toList();
        List<String> second = val.stream().map(e -> Objects.requireNonNull(e.inputs().get(0).textPair())).toList();
        try (Predictor predictor = Predictor.open(folder, backbone)) {
            List<Prediction> predicted = predictor.predictPairs(first, second);
            for (int i = 0; i < val.size(); i++) {
                double[] p = Evaluator.softmax(scores[i]);
                for (int c = 0; c < p.length; c++) {
                    assertThat(predicted.get(i).probabilities().get(cb.getLabels().get(c))).isCloseTo(p[c],
                            within(1e-5));
                }
            }
            // the template needs {text_b}: a single text is refused
            assertThatThrownBy(() -> predictor.predict("the lamp fell")).isInstanceOf(PeftException.class)
                    .hasMessageContaining("{text_b}");
        }
    }

    @Test
    void aVerbalizerExportWithAHeadFileOrBadSettingsIsRefused(@TempDir Path temp) throws Exception {
        TrainedRun run = trainer(null, new TrainingListener() {}).train(spec(Map.of("head", "verbalizer",
                "label-words", CB_WORDS, "epochs", "1")));
        Path folder = temp.resolve("export");
        run.toExport(backbone, 64).write(folder);
        Files.write(folder.resolve(ExportFolder.HEAD_FILE), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> ExportFolder.read(folder)).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("also " + ExportFolder.HEAD_FILE);
        Files.delete(folder.resolve(ExportFolder.HEAD_FILE));
        Path settings = folder.resolve(ExportFolder.SETTINGS_FILE);
        Files.writeString(settings, Files.readString(settings).replace("[MASK]", "[SEP]"));
        assertThatThrownBy(() -> ExportFolder.read(folder)).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("without exactly one [MASK]");
        // an export of a linear head says so and keeps its head file
        ExportFolder linear = trainer(null, new TrainingListener() {}).train(spec(Map.of("epochs", "1")))
                .toExport(backbone, 64);
        assertThat(linear.settings().headKind()).isEqualTo("linear");
        assertThat(linear.settings().head()).isNull();
    }

    @Test
    void aTemplateWithAModifierOnTheFirstTextExportsAndServes(@TempDir Path temp) throws Exception {
        String template = "{text_b} ? [MASK] , {text_a:no-final-punctuation}";
        TrainedRun run = trainer(null, new TrainingListener() {}).train(spec(Map.of("head", "verbalizer",
                "label-words", CB_WORDS, "epochs", "1", "template", template)));
        Path folder = temp.resolve("export");
        run.toExport(backbone, 64).write(folder);
        assertThat(ExportFolder.read(folder).settings().template()).isEqualTo(template);
        try (Predictor predictor = Predictor.open(folder, backbone)) {
            assertThat(predictor.predictPairs(List.of("the lamp fell."), List.of("it broke")).get(0)
                    .probabilities()).hasSize(3);
        }
        // a modifier that this version cannot apply is refused when the export is read, not fed as text
        Path settings = folder.resolve(ExportFolder.SETTINGS_FILE);
        Files.writeString(settings, Files.readString(settings).replace(":no-final-punctuation", ":upper"));
        assertThatThrownBy(() -> ExportFolder.read(folder)).isInstanceOf(PromptFormatException.class)
                .hasMessageContaining("modifier this version does not know");
    }

    @Test
    void aStoppedVerbalizerRunResumesToTheSameResult(@TempDir Path uninterrupted, @TempDir Path interrupted) {
        TrainedRun reference = trainer(uninterrupted, new TrainingListener() {}).train(verbalizer());
        TrainingListener stop = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 1) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> trainer(interrupted, stop).train(verbalizer())).hasMessage("forced stop");

        TrainedRun resumed = trainer(interrupted, new TrainingListener() {}).train(verbalizer());

        assertThat(resumed.result().epochs()).isEqualTo(reference.result().epochs());
        assertThat(resumed.prompt()).isEqualTo(reference.prompt());
    }

    @Test
    void aLinearHeadRecordsNoHeadSettingsSoOldRunIdsStay() {
        assertThat(TrainingConfig.DEFAULTS.toMap()).doesNotContainKeys("head", "template", "label-words");
        assertThat(TrainingConfig.fromMap(Map.of("head", "linear"))).isEqualTo(TrainingConfig.DEFAULTS);
        TrainingConfig config = TrainingConfig.fromMap(verbalizer().shared());
        assertThat(TrainingConfig.fromMap(config.toMap())).isEqualTo(config);
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("head", "mlm")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("linear or verbalizer");
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("label-words", "a=b")))
                .hasMessageContaining("--head verbalizer");
    }

    @Test
    void badTemplatesAndLabelWordsAreRefusedBeforeTraining() {
        TrainingRunCheck check = new TrainingRunCheck(PluginRegistry.discover(), SuperGlueTasks::byId);
        check.check(verbalizer());
        assertThatThrownBy(() -> check.check(spec(Map.of("head", "verbalizer", "template", "{text_a} , {text_b}"))))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("holds 0 [MASK]");
        assertThatThrownBy(() -> check.check(spec(Map.of("head", "verbalizer", "template", "{text_a} ? [MASK]"))))
                .hasMessageContaining("leaves out {text_b}");
        assertThatThrownBy(() -> check.check(spec(Map.of("head", "verbalizer", "template",
                "{passage} ? [MASK] , {text_b}")))).hasMessageContaining("unknown placeholder {passage}");
        assertThatThrownBy(() -> check.check(spec(Map.of("head", "verbalizer", "label-words",
                "entailment=yes,contradiction=no")))).hasMessageContaining("lack [neutral]");
        assertThatThrownBy(() -> check.check(spec(Map.of("head", "verbalizer", "label-words",
                "entailment=yes,contradiction=no,neutral=maybe,other=x")))).hasMessageContaining("'other'");
        RunSpec record = new RunSpec("prompt-tuning", "record", 7, 4, 0.3, Map.of(), Map.of("head", "verbalizer"));
        assertThatThrownBy(() -> check.check(record)).hasMessageContaining("--head linear");
        check.check(new RunSpec("prompt-tuning", "wic", 7, 4, 0.3, Map.of(), Map.of("head", "verbalizer")));
        check.check(new RunSpec("prompt-tuning", "copa", 7, 4, 0.3, Map.of(), Map.of("head", "verbalizer")));
        // zero-shot: the template alone; a linear head would be untrained
        check.check(new RunSpec("prompt-tuning", "cb", 7, 0, 0.3, Map.of(), verbalizer().shared()));
        assertThatThrownBy(() -> check.check(new RunSpec("prompt-tuning", "cb", 7, 0, 0.3, Map.of(), Map.of())))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("--head verbalizer")
                .hasMessageContaining("--lr 1e-6");
    }

    @Test
    void multiPieceLabelWordsAreRefusedWhenTheRunStarts() {
        // the built-in yes/no/maybe split into characters in the tiny vocabulary
        RunSpec builtIn = spec(Map.of("head", "verbalizer"));
        assertThatThrownBy(() -> trainer(null, new TrainingListener() {}).train(builtIn))
                .isInstanceOf(PeftException.class).hasMessageContaining("'yes' is 3 word pieces [y, ##e, ##s]");
    }

    @Test
    void aZeroShotRunIsTheTemplateAloneEvaluatedOnceAsEpochZero() {
        RunSpec zeroShot = new RunSpec("prompt-tuning", "cb", 7, 0, 0.3, Map.of(), verbalizer().shared());
        TrainedRun run = trainer(null, new TrainingListener() {}).train(zeroShot);

        assertThat(run.result().promptLength()).isZero();
        assertThat(run.result().trainableParameters()).isZero();
        assertThat(run.result().exportedPromptParameters()).isZero();
        assertThat(run.result().epochs()).hasSize(1);
        assertThat(run.result().epochs().get(0).epoch()).isZero();
        assertThat(run.result().epochs().get(0).trainLoss()).isNaN();
        assertThat(run.result().bestEpoch()).isZero();
        assertThat(run.result().bestMetric()).isBetween(0.0, 1.0);
        assertThat(run.prompt()).isNull();
        // nothing is random: another seed scores the same
        RunSpec otherSeed = new RunSpec("prompt-tuning", "cb", 8, 0, 0.3, Map.of(), verbalizer().shared());
        assertThat(trainer(null, new TrainingListener() {}).train(otherSeed).result().epochs().get(0).metrics())
                .isEqualTo(run.result().epochs().get(0).metrics());
        assertThatThrownBy(() -> run.toExport(backbone, 64)).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("zero-shot");
        RunSpec linear = new RunSpec("prompt-tuning", "cb", 7, 0, 0.3, Map.of(), spec(Map.of()).shared());
        assertThatThrownBy(() -> trainer(null, new TrainingListener() {}).train(linear))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("--head verbalizer");
    }

    @Test
    void copaScoresEachChoiceByTheTrueWordsLogitOverTheFalseWords() {
        Map<String, String> shared = new TreeMap<>(verbalizer().shared());
        shared.put("label-words", "true=book,false=cup");
        shared.put("template", "{premise} , {connective} {choice} ? [MASK] .");
        RunSpec copa = new RunSpec("prompt-tuning", "copa", 7, 4, 0.3, Map.of(), shared);
        TrainedRun trained = trainer(null, new TrainingListener() {}).train(copa);
        assertThat(trained.result().trainableParameters()).as("P only").isEqualTo(4L * TinyBertFolder.HIDDEN);
        assertThat(trained.result().bestMetric()).isBetween(0.0, 1.0);
        assertThat(trained.result().epochs()).allSatisfy(e -> assertThat(e.trainLoss()).isFinite());

        // zero-shot, so both word orders see the same model: swapping the words negates every score
        Task task = SuperGlueTasks.copa();
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        List<Example> val = task.load("val", data.locate(task, "val")).subList(0, 4);
        float[][] forward = zeroShotScores(task, shared, val);
        shared.put("label-words", "true=cup,false=book");
        float[][] swapped = zeroShotScores(task, shared, val);
        assertThat(forward[0][0]).isNotZero();
        for (int i = 0; i < val.size(); i++) {
            assertThat(forward[i]).hasSize(2);
            for (int c = 0; c < 2; c++) {
                assertThat(swapped[i][c]).isCloseTo(-forward[i][c], within(1e-4f));
            }
        }
    }

    @Test
    void eachStepsLossIsTheCrossEntropyOfTheScoresAtTheLabelAndStepsLowerIt() {
        Map<String, String> copaShared = new TreeMap<>(verbalizer().shared());
        copaShared.put("label-words", "true=book,false=cup");
        copaShared.put("template", "{premise} , {connective} {choice} ? [MASK] .");
        Map<Task, RunSpec> runs = Map.of(SuperGlueTasks.cb(), verbalizer(),
                SuperGlueTasks.copa(), new RunSpec("prompt-tuning", "copa", 7, 4, 0.3, Map.of(), copaShared));
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        runs.forEach((task, spec) -> {
            List<Example> batch = task.load("train", data.locate(task, "train")).subList(0, 8);
            try (var manager = backbone.getManager().newSubManager()) {
                TrainingRun run = TrainingRun.create(backbone, task, PluginRegistry.discover().get("prompt-tuning"),
                        spec, manager);
                double first = crossEntropy(run.score(batch), batch);
                for (int step = 0; step < 30; step++) {
                    // the training forward and the evaluation forward agree, and the loss is over the right labels
                    double expected = crossEntropy(run.score(batch), batch);
                    assertThat(run.step(batch)).as("%s step %d", task.getId(), step).isCloseTo((float) expected,
                            within(1e-4f));
                }
                // the tiny random BERT barely answers to its prompt (the loss settles within 0.01 of where
                // it starts), so this checks the direction; BERT-Base fits FewGLUE's 32 examples in the study
                assertThat(crossEntropy(run.score(batch), batch)).as(task.getId()).isLessThan(first);
            }
        });
    }

    /** The mean cross-entropy of the softmax over each example's scores (classes or choices) at its label. */
    private static double crossEntropy(float[][] scores, List<Example> batch) {
        double sum = 0;
        for (int i = 0; i < batch.size(); i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (float score : scores[i]) {
                max = Math.max(max, score);
            }
            double normalizer = 0;
            for (float score : scores[i]) {
                normalizer += Math.exp(score - max);
            }
            sum -= scores[i][batch.get(i).label()] - max - Math.log(normalizer);
        }
        return sum / batch.size();
    }

    private static float[][] zeroShotScores(Task task, Map<String, String> shared, List<Example> examples) {
        RunSpec spec = new RunSpec("prompt-tuning", task.getId(), 7, 0, 0.3, Map.of(), shared);
        try (var manager = backbone.getManager().newSubManager()) {
            return TrainingRun.create(backbone, task, PluginRegistry.discover().get("prompt-tuning"), spec, manager)
                    .score(examples);
        }
    }

    @Test
    void templatesFillBothTextsOnce() {
        VerbalizerTemplate template = new VerbalizerTemplate("{text_b} ? [MASK] , {text_a}", List.of("a", "b"));
        assertThat(template.fill(TextInput.pair("the sky {text_b} is grey", "it rains")))
                .isEqualTo("it rains ? [MASK] , the sky {text_b} is grey");
    }
}
