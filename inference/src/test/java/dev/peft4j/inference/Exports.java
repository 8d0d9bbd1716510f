package dev.peft4j.inference;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random exports for tests: no training, just a prompt and a head of the right shapes. */
final class Exports {

    static final String MINILM = "all-minilm-l6-v2";
    static final List<String> LABELS = List.of("entailment", "contradiction", "neutral");

    private Exports() {}

    /** A 3-label export for MiniLM (width 384, 6 layers, 12 heads) with a prompt of {@code n} vectors. */
    static ExportFolder random(int n, long seed) {
        return random(n, 384, LABELS, MINILM, 64, seed);
    }

    static ExportFolder random(int n, int width, List<String> labels, String backbone, int maxLength, long seed) {
        Random random = new Random(seed);
        float[] prompt = gaussian(random, n * width, 0.05f);
        float[] weight = gaussian(random, labels.size() * width, 0.5f);
        float[] bias = gaussian(random, labels.size(), 0.1f);
        PromptShape shape = new PromptShape(n, width);
        AdapterConfig config = AdapterConfig.promptTuning(shape, 6, 12, backbone);
        return new ExportFolder(new PromptAdapter(config, new PromptEmbeddings(shape, prompt)), weight, bias,
                new ExportFolder.Settings("cb", labels, backbone, maxLength, "prompt-tuning", Map.of(), "test-run",
                        "acc_f1", 0.5));
    }

    static Path write(ExportFolder export, Path folder) {
        export.write(folder);
        return folder;
    }

    private static float[] gaussian(Random random, int size, float scale) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian() * scale;
        }
        return values;
    }
}
