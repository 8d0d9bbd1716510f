package dev.peft4j.harness.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.PeftException;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.Task;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    /** Scores the gold label (or choice) highest. */
    private static float[][] oracle(List<Example> batch, int width) {
        float[][] scores = new float[batch.size()][];
        for (int i = 0; i < batch.size(); i++) {
            Example e = batch.get(i);
            int n = width > 0 ? width : e.inputs().size();
            scores[i] = new float[n];
            scores[i][Math.max(0, e.label())] = 1f;
        }
        return scores;
    }

    @Test
    void oracleScoresPerfectlyOnCbAndBatchesAsAsked() {
        Task cb = SuperGlueTasks.cb();
        List<Example> val = cb.load("val", TestData.synthetic().resolve("superglue/CB/val.jsonl"));
        List<Integer> batchSizes = new ArrayList<>();
        EvaluationResult result = Evaluator.of(cb, 5).evaluate(val, batch -> {
            batchSizes.add(batch.size());
            return oracle(batch, 3);
        });
        assertThat(batchSizes).containsExactly(5, 5, 2);
        assertThat(result.metrics()).containsOnlyKeys("acc_f1", "accuracy", "f1_macro");
        assertThat(result.getHeadline()).isEqualTo(1.0);
        assertThat(result.predictions()).hasSize(12);
    }

    @Test
    void constantScorerOnCbGivesTheMajorityShare() {
        Task cb = SuperGlueTasks.cb();
        List<Example> val = cb.load("val", TestData.synthetic().resolve("superglue/CB/val.jsonl"));
        long entailment = val.stream().filter(e -> e.label() == 0).count();
        EvaluationResult result = Evaluator.of(cb).evaluate(val, batch -> {
            float[][] s = new float[batch.size()][3];
            for (float[] row : s) {
                row[0] = 1f;
            }
            return s;
        });
        double accuracy = (double) entailment / val.size();
        assertThat(result.metrics().get("accuracy")).isCloseTo(accuracy, within(1e-12));
        // only class 0 is predicted: F1 of class 0 is 2a/(1+a); classes 1 and 2 score 0
        double f1 = (2 * accuracy / (1 + accuracy)) / 3;
        assertThat(result.metrics().get("f1_macro")).isCloseTo(f1, within(1e-12));
    }

    @Test
    void copaPicksTheHigherScoredChoice() {
        Task copa = SuperGlueTasks.copa();
        List<Example> val = copa.load("val", TestData.synthetic().resolve("superglue/COPA/val.jsonl"));
        assertThat(Evaluator.of(copa).evaluate(val, b -> oracle(b, 0)).getHeadline()).isEqualTo(1.0);
        double firstShare = val.stream().filter(e -> e.label() == 0).count() / (double) val.size();
        assertThat(Evaluator.of(copa).evaluate(val, b -> {
            float[][] s = new float[b.size()][];
            for (int i = 0; i < s.length; i++) {
                s[i] = new float[] {0.5f, 0.25f};
            }
            return s;
        }).getHeadline()).isCloseTo(firstShare, within(1e-12));
    }

    @Test
    void multircGroupsPredictionsPerQuestion() {
        Task multirc = SuperGlueTasks.multirc();
        List<Example> val = multirc.load("val", TestData.synthetic().resolve("superglue/MultiRC/val.jsonl"));
        EvaluationResult perfect = Evaluator.of(multirc, 64).evaluate(val, b -> oracle(b, 2));
        assertThat(perfect.metrics()).containsEntry("f1a", 1.0).containsEntry("em", 1.0);
        // Always "true": recall 1, so F1a = 2P/(P+1) with P the share of true options.
        EvaluationResult allTrue = Evaluator.of(multirc, 64).evaluate(val, b -> {
            float[][] s = new float[b.size()][2];
            for (float[] row : s) {
                row[1] = 1f;
            }
            return s;
        });
        double p = val.stream().filter(e -> e.label() == 1).count() / (double) val.size();
        assertThat(allTrue.getHeadline()).isCloseTo(2 * p / (p + 1), within(1e-12));
    }

    @Test
    void recordJudgesTheBestCandidateText() {
        Task record = SuperGlueTasks.record();
        List<Example> dev = record.load("fewglue-dev32", TestData.synthetic().resolve("fewglue/ReCoRD/dev32.jsonl"));
        EvaluationResult result = Evaluator.of(record).evaluate(dev, b -> oracle(b, 0));
        long answerable = dev.stream().filter(Example::isLabelled).count();
        assertThat(answerable).isPositive();
        assertThat(result.metrics().get("em")).isGreaterThanOrEqualTo(answerable / (double) dev.size());
        assertThat(result.getHeadline()).isGreaterThanOrEqualTo(result.metrics().get("em"));
    }

    @Test
    void wrongScoreShapeFailsClearly() {
        Task rte = SuperGlueTasks.rte();
        List<Example> val = rte.load("val", TestData.synthetic().resolve("superglue/RTE/val.jsonl"));
        assertThatThrownBy(() -> Evaluator.of(rte).evaluate(val, b -> new float[b.size()][3]))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("returned 3 scores for example '0' of task 'rte' but 2 are needed")
                .hasMessageContaining("[entailment, not_entailment]");
        assertThatThrownBy(() -> Evaluator.of(rte).evaluate(val, b -> new float[1][2]))
                .hasMessageContaining("returned 1 score rows for a batch of 16");
    }

    @Test
    void softmaxAndArgmax() {
        double[] p = Evaluator.softmax(new float[] {10f, 10f + (float) Math.log(3)});
        assertThat(p[0]).isCloseTo(0.25, within(1e-6));
        assertThat(p[1]).isCloseTo(0.75, within(1e-6));
        assertThat(Evaluator.argmax(new float[] {0f, 2f, 2f})).isEqualTo(1);
    }
}
