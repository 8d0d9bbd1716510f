package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.peft4j.api.AbstractReparameterizerPlugin;
import dev.peft4j.api.ApiVersion;
import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.api.OptionSpec;
import dev.peft4j.api.Options;
import dev.peft4j.api.PeftException;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.Reparameterizer;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.backbones.TinyT5Folder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.report.EpochMetrics;
import dev.peft4j.harness.report.RunEnvironment;
import dev.peft4j.harness.report.RunResult;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.inference.ExportFolder;
import dev.peft4j.inference.LayerAdapterFiles;
import dev.peft4j.inference.LoraAdapter;
import dev.peft4j.inference.Prediction;
import dev.peft4j.inference.Predictor;
import dev.peft4j.inference.PrefixTuningAdapter;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Methods that act only inside the layers (prefix tuning, residual prefix, LoRA) through the
 * harness on the tiny random BERT: the text keeps every position, the best epoch keeps what their
 * PEFT adapter holds, a stopped run resumes to the same adapter, the export serves the trained
 * classifier's predictions (LoRA merged into an owned backbone and unmerged on a shared one), and
 * a T5 run refuses them before training.
 */
class LayerOnlyTrainingTest {

    private static final int M = 3;
    private static final int MAX_LENGTH = 32;
    private static final Task CB = SuperGlueTasks.cb();

    private static Backbone backbone;

    @TempDir
    Path temp;

    @BeforeAll
    static void loadBackbone() {
        backbone = Backbones.load(TinyBertFolder.shared().toString());
    }

    @AfterAll
    static void closeBackbone() {
        backbone.close();
    }

    private static RunSpec spec(String method, int epochs) {
        return spec(method, epochs, Map.of());
    }

    private static RunSpec spec(String method, int epochs, Map<String, String> extra) {
        Map<String, String> shared = new TreeMap<>(Map.of("backbone", backbone.getName(), "epochs",
                Integer.toString(epochs), "batch-size", "4", "max-length", Integer.toString(MAX_LENGTH),
                "train-limit", "12", "eval-limit", "12"));
        shared.putAll(extra);
        Map<String, String> options = method.equals("lora") ? Map.of("rank", "2", "alpha", "4",
                "targets", "query,value,output") : Map.of();
        return new RunSpec(method, "cb", 7, M, 0.01, options, shared);
    }

    private static int prefixValues() {
        return M * TinyBertFolder.LAYERS * 2 * TinyBertFolder.HIDDEN;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"prefix-tuning", "residual-prefix", "lora"})
    void trainsCountsAndKeepsWhatItsAdapterHolds(String method) {
        TrainedRun run = TestTrainers.of(backbone, TestData.synthetic(), null, new TrainingListener() {})
                .train(spec(method, 2));

        assertThat(run.prompt()).as("no P' at the input").isNull();
        assertThat(run.result().epochs()).hasSize(2).allSatisfy(e -> assertThat(e.trainLoss()).isFinite());
        long head = 3L * TinyBertFolder.HIDDEN + 3;
        assertThat(run.result().trainableParameters()).isGreaterThan(head);
        int d = TinyBertFolder.HIDDEN;
        if (method.equals("lora")) {
            LoraAdapter lora = (LoraAdapter) Objects.requireNonNull(run.layers());
            assertThat(lora.rank()).isEqualTo(2);
            assertThat(lora.scale()).isEqualTo(2f);
            // query and value d -> d, output intermediate -> d: r·(in + out) each, in every layer
            long factors = TinyBertFolder.LAYERS * (2 * 2L * (d + d) + 2L * (TinyBertFolder.INTERMEDIATE + d));
            assertThat(lora.parameterCount()).isEqualTo(factors);
            assertThat(run.result().trainableParameters()).isEqualTo(factors + head);
            assertThat(run.result().exportedPromptParameters()).isEqualTo(factors);
        } else {
            PrefixTuningAdapter prefix = (PrefixTuningAdapter) Objects.requireNonNull(run.layers());
            assertThat(prefix.prefixLength()).isEqualTo(M);
            assertThat(prefix.numLayers()).isEqualTo(TinyBertFolder.LAYERS);
            assertThat(run.result().exportedPromptParameters()).isEqualTo(prefixValues());
            if (method.equals("prefix-tuning")) {
                assertThat(run.result().trainableParameters()).isEqualTo(prefixValues() + head);
            }
        }
    }

    @Test
    void theExportRecordsTheLoraUpdatesOwnDropoutRate() {
        RunSpec lora = spec("lora", 1);
        Map<String, String> options = new TreeMap<>(lora.methodOptions());
        options.put("dropout", "0.25");
        TrainedRun run = TestTrainers.of(backbone, TestData.synthetic(), null, new TrainingListener() {})
                .train(new RunSpec("lora", "cb", 7, M, 0.01, options, lora.shared()));

        assertThat(((LoraAdapter) Objects.requireNonNull(run.layers())).dropout()).isEqualTo(0.25f);
    }

    @Test
    void anotherMethodsOptionNamedDropoutIsNotReadAsARate() {
        // an input-prompt method whose 'dropout' is a mode, not a number: only a LowRankUpdate's rate is read
        ReparameterizerPlugin wordDropout = new AbstractReparameterizerPlugin("word-dropout",
                "Prompt tuning with a dropout mode", new ApiVersion(ApiVersion.MAJOR, ApiVersion.MINOR),
                List.of(OptionSpec.choice("dropout", "none", List.of("none", "word"), "Dropout mode"))) {
            @Override
            protected Reparameterizer createReparameterizer(PromptShape shape, Options options) {
                return PluginRegistry.discover().get("prompt-tuning").create(shape);
            }
        };
        RunSpec spec = new RunSpec("word-dropout", "cb", 7, M, 0.01, Map.of("dropout", "word"),
                spec("prompt-tuning", 1).shared());
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun run = TrainingRun.create(backbone, CB, wordDropout, spec, manager);

            assertThat(run.getSoftPrompt().getPromptShape().length()).isEqualTo(M);
        }
    }

    @Test
    void aLayerOnlyRunTokenizesTheTextToTheWholeMaxLength() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun run = TrainingRun.create(backbone, CB, PluginRegistry.discover().get("prefix-tuning"),
                    spec("prefix-tuning", 1), manager);
            assertThat(run.isLayerOnly()).isTrue();
            assertThat(run.getClassifier().getPromptLength()).isZero();
            Example longest = new Example("long", "long", List.of(new TextInput("word ".repeat(200),
                    "other ".repeat(200), Map.of())), 0, List.of(), List.of());
            assertThat(run.encode(List.of(longest)).length()).isEqualTo(MAX_LENGTH);
        }
    }

    @Test
    void aPrefixThatLeavesTheTextTooFewPositionsIsRefused() {
        try (NDManager manager = backbone.getManager().newSubManager()) {
            RunSpec spec = new RunSpec("prefix-tuning", "cb", 1, TinyBertFolder.POSITIONS - 2, 0.01, Map.of(),
                    spec("prefix-tuning", 1).shared());
            assertThatThrownBy(() -> TrainingRun.create(backbone, CB, PluginRegistry.discover().get("prefix-tuning"),
                    spec, manager)).isInstanceOf(InvalidOptionException.class)
                    .hasMessageContaining("leaves 2 of the model's 128 positions");
        }
    }

    @Test
    void aStoppedLoraRunResumesToTheSameAdapter(@TempDir Path uninterrupted, @TempDir Path interrupted) {
        RunSpec spec = spec("lora", 3);
        TrainedRun reference = TestTrainers.of(backbone, TestData.synthetic(), uninterrupted,
                new TrainingListener() {}).train(spec);
        TrainingListener stop = new TrainingListener() {
            @Override
            public void afterCheckpoint(RunSpec run, int epoch) {
                if (epoch == 2) {
                    throw new IllegalStateException("forced stop");
                }
            }
        };
        assertThatThrownBy(() -> TestTrainers.of(backbone, TestData.synthetic(), interrupted, stop).train(spec))
                .hasMessage("forced stop");
        TrainedRun resumed = TestTrainers.of(backbone, TestData.synthetic(), interrupted, new TrainingListener() {})
                .train(spec);

        assertThat(resumed.result().epochs()).isEqualTo(reference.result().epochs());
        LoraAdapter expected = (LoraAdapter) Objects.requireNonNull(reference.layers());
        LoraAdapter actual = (LoraAdapter) Objects.requireNonNull(resumed.layers());
        for (LoraAdapter.Factors f : expected.factors()) {
            assertThat(actual.factors(f.layer(), f.target()).a()).containsExactly(f.a());
            assertThat(actual.factors(f.layer(), f.target()).b()).containsExactly(f.b());
        }
        assertThat(resumed.headWeight()).containsExactly(reference.headWeight());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"prefix-tuning", "residual-prefix", "lora"})
    void thePredictorServesTheTrainedClassifiersPredictions(String method) {
        assertPredictorServesTheTrainedClassifier(spec(method, 1));
    }

    @Test
    void aLoraRunWithAVerbalizerHeadIsServedToo() {
        assertPredictorServesTheTrainedClassifier(spec("lora", 1, Map.of("head", "verbalizer",
                "label-words", "entailment=entailment,contradiction=contradiction,neutral=neutral")));
    }

    private void assertPredictorServesTheTrainedClassifier(RunSpec spec) {
        String method = spec.methodId();
        Path exportDir = temp.resolve(method);
        DataLocator data = DataLocator.builder().optDataFolder(TestData.synthetic()).build();
        List<Example> val = CB.load("val", data.locate(CB, "val")).subList(0, 10);
        List<float[]> trained = new ArrayList<>();
        try (NDManager manager = backbone.getManager().newSubManager()) {
            TrainingRun run = TrainingRun.create(backbone, CB, PluginRegistry.discover().get(method), spec, manager);
            List<Example> train = CB.load("train", data.locate(CB, "train")).subList(0, 8);
            for (List<Example> batch : run.batches(train, 1)) {
                run.step(batch);
            }
            run.endEpoch(new EpochMetrics(1, 0.5, Map.of("acc_f1", 0.5)), 0.5);
            trained.addAll(List.of(run.score(val)));
            RunResult result = spec.resultBuilder().setMetric("acc_f1")
                    .addEpoch(new EpochMetrics(1, 0.5, Map.of("acc_f1", 0.5)))
                    .optEnvironment(new RunEnvironment("17", "Linux", 2, "cpu()", null)).build();
            run.finish(result).toExport(backbone, MAX_LENGTH, spec.methodOptions()).write(exportDir);
        }
        assertThat(LayerAdapterFiles.peftType(exportDir)).isEqualTo(method.equals("lora") ? "LORA" : "PREFIX_TUNING");
        assertThat(ExportFolder.read(exportDir).settings().method()).isEqualTo(method);
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        for (Example example : val) {
            first.add(example.inputs().get(0).text());
            second.add(Objects.requireNonNull(example.inputs().get(0).textPair()));
        }
        List<Prediction> shared;
        try (Predictor predictor = Predictor.open(exportDir, backbone)) {
            assertThat(predictor.getPromptLength()).isZero();
            assertThat(predictor.getMaxTokens()).isEqualTo(MAX_LENGTH);
            shared = predictor.predictPairs(first, second);
        }
        List<Prediction> owned;
        // its own backbone: a LoRA export is merged into the weights
        try (Predictor predictor = Predictor.open(exportDir)) {
            owned = predictor.predictPairs(first, second);
        }
        for (int i = 0; i < val.size(); i++) {
            double[] expected = dev.peft4j.harness.eval.Evaluator.softmax(trained.get(i));
            for (int c = 0; c < expected.length; c++) {
                String label = CB.getLabels().get(c);
                assertThat(shared.get(i).probabilities().get(label)).as("shared backbone, example %d %s", i, label)
                        .isCloseTo(expected[c], within(1e-5));
                assertThat(owned.get(i).probabilities().get(label)).as("owned backbone, example %d %s", i, label)
                        .isCloseTo(expected[c], within(1e-5));
            }
        }
    }

    @Test
    void aT5RunRefusesALayerOnlyMethodBeforeTraining() {
        try (Backbone t5 = Backbones.load(TinyT5Folder.shared().toString());
                NDManager manager = t5.getManager().newSubManager()) {
            Map<String, String> shared = Map.of("backbone", t5.getName(), "head", TrainingConfig.TEXT_TO_TEXT,
                    "max-length", "32");
            RunSpec spec = new RunSpec("lora", "rte", 1, 2, 0.01, Map.of(), shared);
            assertThatThrownBy(() -> TrainingRun.create(t5, SuperGlueTasks.rte(),
                    PluginRegistry.discover().get("lora"), spec, manager))
                    .isInstanceOf(InvalidOptionException.class).hasMessageContaining("'lora'")
                    .hasMessageContaining("text-to-text head (T5)");
        }
    }

    @Test
    void aZeroShotRunStillHasNothingToExport() {
        RunSpec spec = new RunSpec("lora", "cb", 1, 2, 0.01, Map.of(), Map.of());
        RunResult result = spec.resultBuilder().setMetric("acc_f1")
                .addEpoch(new EpochMetrics(1, 0.5, Map.of("acc_f1", 0.5)))
                .optEnvironment(new RunEnvironment("17", "Linux", 2, "cpu()", null)).build();
        TrainedRun run = new TrainedRun(result, null, new float[0], new float[0], CB.getLabels(), null,
                dev.peft4j.api.PromptPlacement.AFTER_CLS, false);
        assertThatThrownBy(() -> run.toExport(backbone, MAX_LENGTH)).isInstanceOf(PeftException.class)
                .hasMessageContaining("zero-shot");
    }
}
