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

    @Test
    void evalEveryIsRecordedOnlyWhenNotOneSoEarlierRunIdsStay() {
        assertThat(TrainingConfig.DEFAULTS.evalEvery()).isEqualTo(1);
        assertThat(TrainingConfig.DEFAULTS.toMap()).doesNotContainKey("eval-every");

        TrainingConfig sparse = TrainingConfig.fromMap(Map.of("eval-every", "5"));
        assertThat(sparse.evalEvery()).isEqualTo(5);
        assertThat(sparse.toMap()).containsEntry("eval-every", "5");
        assertThat(TrainingConfig.fromMap(sparse.toMap())).isEqualTo(sparse);
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("eval-every", "0")))
                .isInstanceOf(InvalidOptionException.class).hasMessageContaining("'eval-every' must be at least 1");
    }

    @Test
    void refusesNonFiniteNumbersNamingTheSetting() {
        for (String name : java.util.List.of("head-lr", "weight-decay", "max-grad-norm")) {
            for (String value : java.util.List.of("NaN", "Infinity", "-Infinity")) {
                assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of(name, value)))
                        .as("%s=%s", name, value)
                        .isInstanceOf(InvalidOptionException.class)
                        .hasMessageContaining("'" + name + "'")
                        .hasMessageContaining(value);
            }
        }
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("weight-decay", "0.0.1")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'weight-decay'").hasMessageContaining("0.0.1");
        assertThatThrownBy(() -> TrainingConfig.fromMap(Map.of("epochs", "many")))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessageContaining("'epochs'").hasMessageContaining("many").hasMessageContaining("integer");
    }
}
