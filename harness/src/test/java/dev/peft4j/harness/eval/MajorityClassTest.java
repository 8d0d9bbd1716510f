package dev.peft4j.harness.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.harness.task.Example;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.task.TextInput;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The majority-class level the report draws as a reference line. */
class MajorityClassTest {

    private static Example example(int i, int label) {
        return Example.classification("e" + i, TextInput.pair("premise " + i, "hypothesis " + i), label);
    }

    @Test
    void cbMajorityIsTheAccuracyAndF1MeanOfAlwaysAnsweringTheMostFrequentLabel() {
        List<Example> examples = new ArrayList<>();
        int[] labels = {1, 1, 1, 0, 2, 1, 0, 1};
        for (int i = 0; i < labels.length; i++) {
            examples.add(example(i, labels[i]));
        }

        double headline = Evaluator.of(SuperGlueTasks.cb(), 3).majorityClassHeadline(examples).orElseThrow();

        // Label 1 in 5 of 8: accuracy 0.625; F1 of label 1 is 2*0.625/(1+0.625), the others 0.
        double accuracy = 5 / 8.0;
        double f1Macro = (2 * accuracy / (1 + accuracy)) / 3;
        assertThat(headline).isCloseTo((accuracy + f1Macro) / 2, within(1e-12));
    }

    @Test
    void candidateScoringHasNoMajorityClass() {
        assertThat(Evaluator.of(SuperGlueTasks.record()).majorityClassHeadline(List.of())).isEmpty();
    }
}
