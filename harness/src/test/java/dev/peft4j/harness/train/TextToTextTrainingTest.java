package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.InvalidOptionException;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TextToTextClassifier;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.backbones.TinyT5Folder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.TextInput;
import dev.peft4j.plugins.PluginRegistry;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A T5 backbone through the one training core ({@link PromptTrainer}, {@link TrainingRun}): the
 * tiny T5 with its generated tokenizer, RTE in the T5 paper's text-to-text format on the synthetic
 * data, the prompt as the only learner and the gold label text's cross-entropy as the loss.
 */
class TextToTextTrainingTest {

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
    void everyReparameterizerTrainsOnT5Unchanged() {
        for (String method : PluginRegistry.discover().getIds()) {
            TrainedRun run = trainer(t5).train(spec("cb", method, "text-to-text", Map.of("epochs", "1",
                    "train-limit", "8", "eval-limit", "4")));
            assertThat(run.result().epochs()).as(method).hasSize(1);
            assertThat(run.prompt().shape().width()).as(method).isEqualTo(TinyT5Folder.HIDDEN);
        }
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
