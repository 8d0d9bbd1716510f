package dev.peft4j.examples;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.backbones.TinyBertFolder;
import dev.peft4j.harness.TestData;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.experiment.RunSpec;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.harness.train.PromptTrainer;
import dev.peft4j.harness.train.TrainedRun;
import dev.peft4j.plugins.PluginRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A tiny prompt trained on synthetic CB with the tiny random BERT (3 steps of 8 examples) and
 * exported once per test JVM, for the predictor examples to serve.
 */
final class TrainedExport {

    private static @Nullable Path folder;

    private TrainedExport() {}

    /** The export folder, trained on first use. */
    static synchronized Path folder() {
        if (folder == null) {
            folder = train();
        }
        return folder;
    }

    private static Path train() {
        Path tinyBert = TinyBertFolder.shared();
        Map<String, String> shared = Map.of("backbone", tinyBert.toString(), "epochs", "1", "max-steps", "3",
                "train-limit", "24", "eval-limit", "8", "max-length", "64");
        RunSpec spec = new RunSpec("residual-prompt", "cb", 1, 4, 0.3, Map.of("bottleneck", "16"), shared);
        try (Backbone backbone = Backbones.load(tinyBert.toString())) {
            TrainedRun run = PromptTrainer.builder()
                    .setBackbone(backbone)
                    .setRegistry(PluginRegistry.discover())
                    .setTasks(SuperGlueTasks::byId)
                    .setData(DataLocator.builder().optDataFolder(TestData.synthetic()).build())
                    .build()
                    .train(spec);
            Path target = Files.createTempDirectory("peft4j-examples-export");
            target.toFile().deleteOnExit();
            run.toExport(backbone, 64, spec.methodOptions()).write(target);
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create a temporary export folder", e);
        }
    }
}
