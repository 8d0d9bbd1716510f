package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** API 1.2: the injection points inside the layers (prefix, low-rank update) and their value types. */
class LayerInjectionsTest {

    @Test
    void linearTargetsParseByIdOrHuggingFaceNameAndKnowTheirShapes() {
        assertThat(LinearTarget.fromId("attention.output")).isEqualTo(LinearTarget.ATTENTION_OUTPUT);
        assertThat(LinearTarget.fromId(" Query ")).isEqualTo(LinearTarget.QUERY);
        assertThat(LinearTarget.fromId("intermediate.dense")).isEqualTo(LinearTarget.INTERMEDIATE);
        assertThat(LinearTarget.INTERMEDIATE.inFeatures(8, 32)).isEqualTo(8);
        assertThat(LinearTarget.INTERMEDIATE.outFeatures(8, 32)).isEqualTo(32);
        assertThat(LinearTarget.OUTPUT.inFeatures(8, 32)).isEqualTo(32);
        assertThat(LinearTarget.OUTPUT.outFeatures(8, 32)).isEqualTo(8);
        assertThat(LinearTarget.VALUE.huggingFaceModule()).isEqualTo("attention.self.value");
        assertThatThrownBy(() -> LinearTarget.fromId("dense"))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'dense'")
                .hasMessageContaining("query, key, value, attention.output, intermediate, output");
    }

    @Test
    void aPrefixMustHoldKeysAndValuesPerLayer() {
        try (NDManager manager = NDManager.newBaseManager()) {
            var ok = new LayerInjections(manager.zeros(new Shape(3, 2, 5, 8)), null);
            assertThat(ok.prefixLength()).isEqualTo(5);
            assertThat(ok.isEmpty()).isFalse();
            assertThat(LayerInjections.none().isEmpty()).isTrue();
            assertThat(LayerInjections.none().prefixLength()).isZero();
            assertThatThrownBy(() -> new LayerInjections(manager.zeros(new Shape(3, 5, 8)), null))
                    .isInstanceOf(ShapeMismatchException.class).hasMessageContaining("(layers, 2, m, d)");
            assertThatThrownBy(() -> new LayerInjections(manager.zeros(new Shape(3, 3, 5, 8)), null))
                    .isInstanceOf(ShapeMismatchException.class);
        }
    }

    @Test
    void anEncoderWithoutLayerInjectionsRefusesThemAndEncodesWithoutThem() {
        try (NDManager manager = NDManager.newBaseManager()) {
            FakeEncoder encoder = new FakeEncoder(manager, 16, 4);
            var ps = new ParameterStore(manager, false);
            var embeddings = manager.ones(new Shape(1, 2, 4));
            var mask = manager.ones(new Shape(1, 2));
            var types = manager.zeros(new Shape(1, 2), ai.djl.ndarray.types.DataType.INT64);
            assertThat(encoder.encode(ps, embeddings, mask, types, LayerInjections.none(), false))
                    .isEqualTo(encoder.encode(ps, embeddings, mask, types, false));
            var prefix = new LayerInjections(manager.zeros(new Shape(1, 2, 1, 4)), null);
            assertThatThrownBy(() -> encoder.encode(ps, embeddings, mask, types, prefix, false))
                    .isInstanceOf(PeftException.class)
                    .hasMessageContaining("FakeEncoder takes no per-layer prefix or low-rank update");
        }
    }
}
