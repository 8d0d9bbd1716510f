package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** PEFT's {@code (m, L·2·d)} prefix rows against the encoder's {@code (L, 2, m, d)}, element by element. */
class LayerPrefixPeftLayoutTest {

    private static final int LAYERS = 3;
    private static final int M = 4;
    private static final int HEADS = 2;
    private static final int HEAD_SIZE = 3;
    private static final int D = HEADS * HEAD_SIZE;

    @Test
    void everyElementLandsWherePeftsIndexFormulaPutsIt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] rows = new float[M * LAYERS * 2 * D];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = i;
            }
            float[] layers = LayerPrefix.fromPeftRows(manager.create(rows, new Shape(M, LAYERS * 2 * D)), LAYERS)
                    .toFloatArray();
            // PEFT: row i, column (l*2 + kv)*d + h*dh + j is layer l, keys/values kv, position i, head h, index j
            for (int l = 0; l < LAYERS; l++) {
                for (int kv = 0; kv < 2; kv++) {
                    for (int i = 0; i < M; i++) {
                        for (int h = 0; h < HEADS; h++) {
                            for (int j = 0; j < HEAD_SIZE; j++) {
                                int column = (l * 2 + kv) * D + h * HEAD_SIZE + j;
                                int target = ((l * 2 + kv) * M + i) * D + h * HEAD_SIZE + j;
                                assertThat(layers[target]).as("l=%d kv=%d i=%d h=%d j=%d", l, kv, i, h, j)
                                        .isEqualTo(rows[i * LAYERS * 2 * D + column]);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void roundTripsBothWays() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray rows = manager.randomNormal(new Shape(M, LAYERS * 2 * D));
            NDArray layers = LayerPrefix.fromPeftRows(rows, LAYERS);
            assertThat(layers.getShape()).isEqualTo(new Shape(LAYERS, 2, M, D));
            assertThat(LayerPrefix.toPeftRows(layers).toFloatArray()).containsExactly(rows.toFloatArray());
            NDArray other = manager.randomNormal(new Shape(LAYERS, 2, M, D));
            NDArray back = LayerPrefix.fromPeftRows(LayerPrefix.toPeftRows(other), LAYERS);
            assertThat(back.getShape()).isEqualTo(other.getShape());
            assertThat(back.toFloatArray()).containsExactly(other.toFloatArray());
        }
    }

    @Test
    void wrongShapesAreRefusedWithTheExpectedLayout() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> LayerPrefix.fromPeftRows(manager.zeros(new Shape(M, 7)), LAYERS))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(m, layers * 2 * d)")
                    .hasMessageContaining("3 layers");
            assertThatThrownBy(() -> LayerPrefix.toPeftRows(manager.zeros(new Shape(LAYERS, 3, M, D))))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(layers, 2, m, d)");
        }
    }
}
