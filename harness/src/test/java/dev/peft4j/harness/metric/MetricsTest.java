package dev.peft4j.harness.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.peft4j.api.PeftException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final double EPS = 1e-12;

    /** Pairs of (gold, predicted). */
    private static List<Prediction> predictions(int[][] goldPredicted) {
        List<Prediction> list = new ArrayList<>();
        for (int i = 0; i < goldPredicted.length; i++) {
            list.add(Prediction.of("e" + i, goldPredicted[i][1], goldPredicted[i][0]));
        }
        return list;
    }

    /*
     * CB-style confusion, rows gold, columns predicted:
     *            pred0 pred1 pred2
     *   gold0      3     1     0
     *   gold1      0     2     1
     *   gold2      1     0     2
     * accuracy = 7/10 = 0.7
     * class 0: TP 3, predicted 4, gold 4 -> P 3/4, R 3/4, F1 3/4
     * class 1: TP 2, predicted 3, gold 3 -> P 2/3, R 2/3, F1 2/3
     * class 2: TP 2, predicted 3, gold 3 -> P 2/3, R 2/3, F1 2/3
     * macro-F1 = (3/4 + 2/3 + 2/3) / 3 = (25/12) / 3 = 25/36
     * CB headline = (0.7 + 25/36) / 2
     */
    private static final int[][] CB_CONFUSION = {
        {0, 0}, {0, 0}, {0, 0}, {0, 1},
        {1, 1}, {1, 1}, {1, 2},
        {2, 2}, {2, 0}, {2, 2}
    };

    @Test
    void accuracyOnHandComputedCase() {
        assertThat(Metrics.accuracy().aggregate(predictions(CB_CONFUSION))).isCloseTo(0.7, within(EPS));
    }

    @Test
    void macroF1OnHandComputedCbConfusion() {
        assertThat(Metrics.macroF1(3).aggregate(predictions(CB_CONFUSION))).isCloseTo(25.0 / 36, within(EPS));
    }

    @Test
    void cbHeadlineIsMeanOfAccuracyAndMacroF1() {
        Metric headline = Metrics.mean("acc_f1", "acc/F1", Metrics.accuracy(), Metrics.macroF1(3));
        assertThat(headline.aggregate(predictions(CB_CONFUSION))).isCloseTo((0.7 + 25.0 / 36) / 2, within(EPS));
        assertThat(headline.getId()).isEqualTo("acc_f1");
    }

    /*
     * Class 2 appears neither in gold nor in predictions, so (like scikit-learn) it is left out:
     * class 0: TP 1, predicted 1, gold 2 -> P 1, R 1/2, F1 2/3
     * class 1: TP 2, predicted 3, gold 2 -> P 2/3, R 1, F1 4/5
     * macro-F1 = (2/3 + 4/5) / 2 = 11/15
     */
    @Test
    void macroF1LeavesOutClassesNeverSeen() {
        int[][] pairs = {{0, 0}, {0, 1}, {1, 1}, {1, 1}};
        assertThat(Metrics.macroF1(3).aggregate(predictions(pairs))).isCloseTo(11.0 / 15, within(EPS));
    }

    @Test
    void macroF1IsZeroForAClassNeverPredictedCorrectly() {
        // class 0: TP 0 -> F1 0; class 1: TP 1, predicted 2, gold 1 -> P 1/2, R 1, F1 2/3; mean 1/3
        int[][] pairs = {{0, 1}, {1, 1}};
        assertThat(Metrics.macroF1(2).aggregate(predictions(pairs))).isCloseTo(1.0 / 3, within(EPS));
    }

    /*
     * MultiRC: question q1 has options gold [1, 0, 1] predicted [1, 0, 0]; q2 gold [0, 1] predicted [0, 1].
     * F1a: TP 2, predicted positives 2, gold positives 3 -> P 1, R 2/3, F1a = 2 * (2/3) / (5/3) = 0.8
     * EM: q1 has a wrong option, q2 is all right -> 1/2
     */
    @Test
    void multircF1aAndExactMatchPerQuestion() {
        List<Prediction> p = List.of(
                Prediction.grouped("q1-a0", "q1", 1, 1),
                Prediction.grouped("q1-a1", "q1", 0, 0),
                Prediction.grouped("q1-a2", "q1", 0, 1),
                Prediction.grouped("q2-a0", "q2", 0, 0),
                Prediction.grouped("q2-a1", "q2", 1, 1));
        assertThat(Metrics.f1a().aggregate(p)).isCloseTo(0.8, within(EPS));
        assertThat(Metrics.exactMatchPerGroup().aggregate(p)).isCloseTo(0.5, within(EPS));
    }

    @Test
    void squadNormalization() {
        assertThat(Metrics.normalizeAnswer("The  Olimpija, Ljubljana!")).isEqualTo("olimpija ljubljana");
        assertThat(Metrics.normalizeAnswer("An apple a day")).isEqualTo("apple day");
        assertThat(Metrics.normalizeAnswer("...")).isEmpty();
    }

    /*
     * ReCoRD:
     * example 1 predicts "Kurt Zouma", gold ["Zouma", "Diego Costa"]:
     *   vs "Zouma": common 1, P 1/2, R 1 -> F1 2/3; vs "Diego Costa": 0 -> max F1 2/3, EM 0
     * example 2 predicts "the Blues", gold ["Blues"]: normalized equal -> F1 1, EM 1
     * F1 = (2/3 + 1) / 2 = 5/6; EM = 1/2
     */
    @Test
    void recordMaxTokenF1AndExactMatch() {
        List<Prediction> p = List.of(
                Prediction.text("q1", "Kurt Zouma", List.of("Zouma", "Diego Costa")),
                Prediction.text("q2", "the Blues", List.of("Blues")));
        assertThat(Metrics.maxTokenF1().aggregate(p)).isCloseTo(5.0 / 6, within(EPS));
        assertThat(Metrics.maxExactMatch().aggregate(p)).isCloseTo(0.5, within(EPS));
        // "a" is an article: "b b" vs "b b c" -> common 2, P 1, R 2/3, F1 0.8
        assertThat(Metrics.tokenF1("a b b", "b b c")).isCloseTo(0.8, within(EPS));
        assertThat(Metrics.tokenF1("x b b", "b c")).isCloseTo(2 * (1.0 / 3) * (1.0 / 2) / (1.0 / 3 + 1.0 / 2), within(EPS));
    }

    @Test
    void emptyOrUnlabelledPredictionsFailClearly() {
        assertThatThrownBy(() -> Metrics.accuracy().aggregate(List.of()))
                .isInstanceOf(PeftException.class).hasMessageContaining("split was empty");
        assertThatThrownBy(() -> Metrics.accuracy().aggregate(List.of(Prediction.of("t1", 0, -1))))
                .hasMessageContaining("Example 't1' has no gold label");
        assertThatThrownBy(() -> Metrics.macroF1(3).aggregate(List.of(Prediction.of("t1", 3, 0))))
                .hasMessageContaining("class 3, outside 0..2");
    }
}
