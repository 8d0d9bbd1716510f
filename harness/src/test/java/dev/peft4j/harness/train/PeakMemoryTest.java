package dev.peft4j.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class PeakMemoryTest {

    private static final long MIB = 1024 * 1024;

    @Test
    @EnabledOnOs(OS.LINUX)
    void theSecondRunOfAProcessDoesNotInheritTheFirstRunsPeak() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(PeakMemory.reset()).isTrue(); // earlier tests in this JVM may have set a higher peak
            long before = PeakMemory.current();
            // 400 MiB written by libtorch, then freed: a large block goes back to the OS
            try (NDArray big = manager.ones(new Shape(100 * MIB))) {
                assertThat(big.getFloat(0)).isEqualTo(1f);
            }
            long afterBig = PeakMemory.current();
            assertThat(afterBig - before).isGreaterThan(300 * MIB);

            PeakMemory.reset();

            assertThat(PeakMemory.current()).isLessThan(afterBig - 300 * MIB);
        }
    }
}
