package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.InvalidOptionException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {

    @Test
    void bucketIsOnAndPrecisionFloat32ByDefault() {
        TrainingConfig config = TrainingConfig.fromMap(Map.of());
        assertThat(config.bucket()).isTrue();
        assertThat(config.matmulPrecision()).isEqualTo("float32");
    }

    @Test
    void readsAndWritesTheNewSettings() {
        TrainingConfig config = TrainingConfig.fromMap(Map.of("bucket", "false", "matmul-precision", "bf16-matmul"));
        assertThat(config.bucket()).isFalse();
        assertThat(config.matmulPrecision()).isEqualTo("bf16-matmul");
        assertThat(TrainingConfig.fromMap(config.toMap())).isEqualTo(config);
    }

    @Test
    void refusesBadValues() {
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("bucket", "yes")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("'bucket'");
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("matmul-precision", "bf16")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("bf16-matmul");
    }
}
