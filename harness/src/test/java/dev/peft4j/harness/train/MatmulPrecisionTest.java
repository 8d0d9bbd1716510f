package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.InvalidOptionException;
import org.junit.jupiter.api.Test;

class MatmulPrecisionTest {

    @Test
    void setsAndRestoresLibtorchsPrecision() {
        try {
            assertThat(MatmulPrecision.BF16_MATMUL.apply()).isEqualTo(MatmulPrecision.BF16_MATMUL);
            assertThat(MatmulPrecision.current()).contains(MatmulPrecision.BF16_MATMUL);
        } finally {
            assertThat(MatmulPrecision.FLOAT32.apply()).isEqualTo(MatmulPrecision.FLOAT32);
        }
        assertThat(MatmulPrecision.current()).contains(MatmulPrecision.FLOAT32);
    }

    @Test
    void parsesIdsAndRefusesOthers() {
        assertThat(MatmulPrecision.parse("bf16-matmul")).isEqualTo(MatmulPrecision.BF16_MATMUL);
        assertThat(MatmulPrecision.parse("FLOAT32")).isEqualTo(MatmulPrecision.FLOAT32);
        assertThatThrownBy(() -> MatmulPrecision.parse("medium")).isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("float32").hasMessageContaining("bf16-matmul");
    }
}
