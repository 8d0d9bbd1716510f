package dev.peft4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PromptInjectionTest {

    private static final int B = 2;
    private static final int T = 3;
    private static final int D = 4;
    private static final int N = 2;

    private NDManager manager;
    private NDArray prompt;
    private NDArray embeddings;
    private NDArray mask;
    private NDArray types;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        prompt = manager.arange(100f, 100f + N * D).reshape(N, D);
        embeddings = manager.arange((float) B * T * D).reshape(B, T, D);
        // the second sequence has one padding position at its end
        mask = manager.create(new long[] {1, 1, 1, 1, 1, 0}, new Shape(B, T));
        types = manager.create(new long[] {0, 1, 1, 0, 0, 1}, new Shape(B, T));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, T})
    void splicesThePromptRowsAtThePosition(int position) {
        NDList out = PromptInjection.inject(prompt, embeddings, mask, types, position);

        NDArray e = out.get(0);
        NDArray m = out.get(1);
        NDArray t = out.get(2);
        assertThat(e.getShape()).isEqualTo(new Shape(B, N + T, D));
        assertThat(m.getShape()).isEqualTo(new Shape(B, N + T));
        assertThat(t.getShape()).isEqualTo(new Shape(B, N + T));
        assertThat(m.getDataType()).isEqualTo(DataType.INT64);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < N + T; i++) {
                boolean isPrompt = i >= position && i < position + N;
                int source = i < position ? i : i - N;
                NDArray row = e.get(new NDIndex("{}, {}", b, i));
                NDArray expectedRow = isPrompt
                        ? prompt.get(new NDIndex("{}", i - position))
                        : embeddings.get(new NDIndex("{}, {}", b, source));
                assertThat(row.toFloatArray()).as("row %d of sequence %d", i, b)
                        .containsExactly(expectedRow.toFloatArray());
                long expectedMask = isPrompt ? 1 : mask.getLong(b, source);
                long expectedType = isPrompt ? 0 : types.getLong(b, source);
                assertThat(m.getLong(b, i)).as("mask %d of sequence %d", i, b).isEqualTo(expectedMask);
                assertThat(t.getLong(b, i)).as("segment %d of sequence %d", i, b).isEqualTo(expectedType);
            }
        }
    }

    @Test
    void bertStylePositionOneGivesClsPromptTokens() {
        NDList out = PromptInjection.inject(prompt, embeddings, mask, types, 1);

        assertThat(out.get(1).toLongArray()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        assertThat(out.get(2).toLongArray()).containsExactly(0, 0, 0, 1, 1, 0, 0, 0, 0, 1);
    }

    @Test
    void aPromptOfAnotherWidthIsRejected() {
        NDArray wide = manager.zeros(new Shape(N, D + 1));

        assertThatThrownBy(() -> PromptInjection.inject(wide, embeddings, mask, types, 1))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessage("The prompt has width 5 but the model has width 4. The prompt was trained for "
                        + "another backbone; use a prompt made for a 4-wide model.");
    }

    @Test
    void otherShapeErrorsAreReported() {
        assertThatThrownBy(() -> PromptInjection.inject(prompt.reshape(1, N, D), embeddings, mask, types, 0))
                .isInstanceOf(ShapeMismatchException.class)
                .hasMessageContaining("The prompt must have shape (n, d)");
        assertThatThrownBy(() -> PromptInjection.inject(prompt, embeddings.reshape(B * T, D), mask, types, 0))
                .hasMessageContaining("Token embeddings must have shape (B, T, d)");
        assertThatThrownBy(() -> PromptInjection.inject(prompt, embeddings, mask.reshape(T, B), types, 0))
                .hasMessageContaining("must both have shape (2, 3)");
        assertThatThrownBy(() -> PromptInjection.inject(prompt, embeddings, mask, types, T + 1))
                .hasMessage("Prompt position 4 is outside [0, 3] for sequences of length 3");
        assertThatThrownBy(() -> PromptInjection.inject(prompt, embeddings, mask, types, -1))
                .isInstanceOf(ShapeMismatchException.class);
    }
}
