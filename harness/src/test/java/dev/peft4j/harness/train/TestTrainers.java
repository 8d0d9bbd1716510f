package dev.peft4j.harness.train;

import dev.peft4j.backbones.Backbone;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.task.SuperGlueTasks;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** The trainer of the training-mechanics tests: SuperGLUE tasks, the class path's plugins, one data folder. */
final class TestTrainers {

    private TestTrainers() {}

    /** A trainer on {@code backbone} reading {@code dataFolder}, with checkpoints when the folder is given. */
    static PromptTrainer of(Backbone backbone, Path dataFolder, @Nullable Path checkpoints, TrainingListener listener) {
        PromptTrainer.Builder builder = PromptTrainer.builder()
                .setBackbone(backbone)
                .setRegistry(PluginRegistry.discover())
                .setTasks(SuperGlueTasks::byId)
                .setData(DataLocator.builder().optDataFolder(dataFolder).build())
                .optListener(listener);
        if (checkpoints != null) {
            builder.optCheckpointRoot(checkpoints);
        }
        return builder.build();
    }
}
