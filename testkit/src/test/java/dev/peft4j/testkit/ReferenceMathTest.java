package dev.peft4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The reference maths checked against known values, so that tests built on it check the plugin, not it. */
class ReferenceMathTest {

    @Test
    void erfMatchesKnownValuesOnBothSidesOfTheSeriesSwitch() {
        assertThat(ReferenceMath.erf(0)).isZero();
        assertThat(ReferenceMath.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-12));
        assertThat(ReferenceMath.erf(1)).isCloseTo(0.8427007929497149, within(1e-12));
        assertThat(ReferenceMath.erf(2.5)).isCloseTo(0.9995930479825550, within(1e-12));
        assertThat(ReferenceMath.erf(-3.5)).isCloseTo(-0.9999992569016276, within(1e-10));
        assertThat(ReferenceMath.erf(3.0)).isCloseTo(0.9999779095030014, within(1e-12));
        assertThat(ReferenceMath.erf(4.5)).isCloseTo(0.9999999998033840, within(1e-12));
    }

    @Test
    void activationsMatchTheirDefinitions() {
        assertThat(ReferenceMath.activation("relu", -2)).isZero();
        assertThat(ReferenceMath.activation("relu", 2)).isEqualTo(2);
        assertThat(ReferenceMath.activation("tanh", 0.3)).isEqualTo(Math.tanh(0.3));
        assertThat(ReferenceMath.activation("sigmoid", 0)).isEqualTo(0.5);
        // GELU(1) = 0.5 (1 + erf(1 / sqrt 2)) = 0.8413447460685429.
        assertThat(ReferenceMath.activation("gelu", 1)).isCloseTo(0.8413447460685429, within(1e-12));
        assertThatThrownBy(() -> ReferenceMath.activation("swish", 1)).hasMessageContaining("swish");
    }

    @Test
    void linearReadsRowMajorWeightsAtAnOffset() {
        // W = [[1, 2], [3, 4]] after two values of another token, b = [10, 20] after one.
        double[] weights = {9, 9, 1, 2, 3, 4};
        double[] bias = {9, 10, 20};
        assertThat(ReferenceMath.linear(weights, 2, bias, 1, new double[] {1, -1}, 2)).containsExactly(9, 19);
        assertThat(ReferenceMath.linear(new double[] {1, 2, 3, 4}, new double[] {0, 0}, new double[] {1, 1}, 2))
                .containsExactly(3, 7);
    }

    @Test
    void layerNormCentersAndScales() {
        double[] y = ReferenceMath.layerNorm(new double[] {1, 3}, new double[] {2, 2}, new double[] {1, 1});
        double scale = 1 / Math.sqrt(1 + ReferenceMath.LAYER_NORM_EPSILON);
        assertThat(y[0]).isCloseTo(1 - 2 * scale, within(1e-15));
        assertThat(y[1]).isCloseTo(1 + 2 * scale, within(1e-15));
    }
}
