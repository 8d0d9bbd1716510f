package dev.peft4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptShape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The block's layout and settings; its numerics are checked by the methods built on it. */
class BottleneckMlpTest {

    private static final PromptShape SHAPE = new PromptShape(3, 6);

    @Test
    void sharedAndPerTokenLayoutsUseTheSavedParameterNames() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(shapes(BottleneckMlp.builder(SHAPE).setBottleneck(5).build(), manager)).containsExactly(
                    Map.entry("down_weight", new Shape(5, 6)), Map.entry("down_bias", new Shape(5)),
                    Map.entry("up_weight", new Shape(6, 5)), Map.entry("up_bias", new Shape(6)),
                    Map.entry("norm_gamma", new Shape(6)), Map.entry("norm_beta", new Shape(6)));
            assertThat(shapes(BottleneckMlp.builder(SHAPE).setBottleneck(5).optSeparate(true).optLayerNorm(false)
                    .build(), manager)).containsExactly(
                    Map.entry("down_weight", new Shape(3, 5, 6)), Map.entry("down_bias", new Shape(3, 5)),
                    Map.entry("up_weight", new Shape(3, 6, 5)), Map.entry("up_bias", new Shape(3, 6)));
        }
    }

    @Test
    void fromOptionsReadsTheSharedOptions() {
        Options options = Options.parse("test-method", BottleneckMlp.OPTIONS,
                Map.of("bottleneck", 7, "activation", "gelu", "layer-norm", false, "dropout", 0.25));
        assertThat(BottleneckMlp.fromOptions(SHAPE, options).optResidual(true).build())
                .hasToString("BottleneckMlp" + SHAPE + "(activation=gelu, separate=false, residual=true, "
                        + "layerNorm=false, dropout=0.25)");
    }

    @Test
    void buildRefusesSettingsThatMakeNoBlock() {
        assertThatThrownBy(() -> BottleneckMlp.builder(SHAPE).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("setBottleneck");
        assertThatThrownBy(() -> BottleneckMlp.builder(SHAPE).setBottleneck(4).optActivation("swish").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("swish")
                .hasMessageContaining("relu");
        assertThatThrownBy(() -> BottleneckMlp.builder(SHAPE).setBottleneck(4).optDropout(1f).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 1)");
    }

    private static Map<String, Shape> shapes(BottleneckMlp block, NDManager manager) {
        block.initialize(manager, DataType.FLOAT32, SHAPE.toShape());
        Map<String, Shape> shapes = new LinkedHashMap<>();
        block.getParameters().forEach(p -> shapes.put(p.getKey(), p.getValue().getArray().getShape()));
        return shapes;
    }
}
