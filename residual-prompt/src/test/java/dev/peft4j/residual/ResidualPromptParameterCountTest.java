package dev.peft4j.residual;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.SoftPrompt;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Trainable values of a residual soft prompt, as {@link SoftPrompt#getTrainableParameterCount()}
 * counts them, against the closed forms in the module's README: {@code nd + 2dm + m + 3d} shared,
 * {@code nd + n(2dm + m + 3d)} separate.
 */
class ResidualPromptParameterCountTest {

    @ParameterizedTest(name = "n={0} d={1} m={2}")
    @CsvSource({"10, 384, 400", "100, 384, 400", "10, 768, 400", "100, 768, 400"})
    void countsMatchTheClosedForms(int n, int d, int m) {
        long mlp = 2L * d * m + m + d + 2L * d;
        long shared = count(n, d, m, false);
        long separate = count(n, d, m, true);
        System.out.printf("residual-prompt n=%d d=%d m=%d: shared %d, separate %d%n", n, d, m, shared, separate);
        assertThat(shared).isEqualTo((long) n * d + mlp);
        assertThat(separate).isEqualTo((long) n * d + n * mlp);
    }

    private static long count(int n, int d, int m, boolean separate) {
        ResidualPromptPlugin plugin = new ResidualPromptPlugin();
        try (NDManager manager = NDManager.newBaseManager()) {
            SoftPrompt prompt = SoftPrompt.builder()
                    .setReparameterizer(plugin.create(new PromptShape(n, d),
                            plugin.parseOptions(Map.of("bottleneck", m, "separate", separate))))
                    .build();
            prompt.initialize(manager, DataType.FLOAT32);
            return prompt.getTrainableParameterCount();
        }
    }
}
