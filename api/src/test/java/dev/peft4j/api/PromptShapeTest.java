package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class PromptShapeTest {

    @Test
    void describesItself() {
        PromptShape shape = new PromptShape(10, 384);

        assertThat(shape.size()).isEqualTo(3840L);
        assertThat(shape.toShape()).isEqualTo(new Shape(10, 384));
        assertThat(shape).hasToString("(10, 384)");
        assertThat(new PromptShape(100_000, 100_000).size()).isEqualTo(10_000_000_000L);
    }

    @Test
    void rejectsAnEmptyPrompt() {
        assertThatThrownBy(() -> new PromptShape(0, 384))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("Prompt length must be at least 1 virtual token, got 0. "
                        + "Set the prompt length (n) to a positive number, e.g. 10.");
        assertThatThrownBy(() -> new PromptShape(-3, 384))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("got -3");
    }

    @Test
    void rejectsAZeroWidth() {
        assertThatThrownBy(() -> new PromptShape(10, 0))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("Prompt width must be at least 1, got 0. "
                        + "The width is the model's hidden size, e.g. 384 for MiniLM.");
    }
}
