package dev.peft4j.baselines;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Trainable values of each baseline, as {@link SoftPrompt#getTrainableParameterCount()} counts
 * them, against closed forms (the table in {@code residual-prompt/README.md}).
 */
class BaselineParameterCountTest {

    @ParameterizedTest(name = "n={0} d={1} m={2}")
    @CsvSource({"10, 384, 400", "100, 384, 400", "10, 768, 400", "100, 768, 400"})
    void countsMatchTheClosedForms(int n, int d, int m) {
        long prompt = (long) n * d;
        long h = d;
        long promptTuning = count(new PromptTuningPlugin(), n, d, Map.of());
        long mlpPrompt = count(new MlpPromptPlugin(), n, d, Map.of("bottleneck", m));
        long pTuningMlp = count(new PTuningPlugin(), n, d, Map.of());
        long pTuningLstm = count(new PTuningPlugin(), n, d, Map.of("encoder", "lstm"));
        System.out.printf("baselines n=%d d=%d m=%d: prompt-tuning %d, mlp-prompt %d, p-tuning mlp %d, p-tuning lstm %d%n",
                n, d, m, promptTuning, mlpPrompt, pTuningMlp, pTuningLstm);

        assertThat(promptTuning).isEqualTo(prompt);
        assertThat(mlpPrompt).isEqualTo(prompt + 2L * d * m + m + 3L * d);
        assertThat(pTuningMlp).isEqualTo(prompt + 3 * h * h + 3 * h);
        long lstmLayer0 = 2 * (4 * h * d + 4 * h * h + 8 * h);
        long lstmLayer1 = 2 * (4 * h * 2 * h + 4 * h * h + 8 * h);
        long head = 2 * h * 2 * h + 2 * h + 2 * h * d + d;
        assertThat(pTuningLstm).isEqualTo(prompt + lstmLayer0 + lstmLayer1 + head);
    }

    private static long count(ReparameterizerPlugin plugin, int n, int d, Map<String, ?> options) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SoftPrompt prompt = SoftPrompt.builder()
                    .setReparameterizer(plugin.create(new PromptShape(n, d), plugin.parseOptions(options)))
                    .build();
            prompt.initialize(manager, DataType.FLOAT32);
            return prompt.getTrainableParameterCount();
        }
    }
}
