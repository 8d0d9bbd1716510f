package dev.peft4j.server;

import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptShape;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.inference.ExportFolder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random exports for the tiny BERT: no training, a prompt and a linear head of the right shapes. */
final class TestExports {

    private TestExports() {}

    /** Writes an export with a prompt of {@code n} vectors and a head over {@code labels} into {@code folder}. */
    static Path write(Path folder, String backboneName, int n, List<String> labels, int maxLength, long seed) {
        int d = TinyBertFolder.HIDDEN;
        Random random = new Random(seed);
        PromptShape shape = new PromptShape(n, d);
        PromptAdapter adapter = new PromptAdapter(AdapterConfig.promptTuning(shape, TinyBertFolder.LAYERS,
                TinyBertFolder.HEADS, backboneName), new PromptEmbeddings(shape, gaussian(random, n * d, 0.5f)));
        new ExportFolder(adapter, gaussian(random, labels.size() * d, 0.5f), gaussian(random, labels.size(), 0.1f),
                new ExportFolder.Settings("task", labels, backboneName, maxLength, "prompt-tuning", Map.of(),
                        "test-run", "acc", 0.5)).write(folder);
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
