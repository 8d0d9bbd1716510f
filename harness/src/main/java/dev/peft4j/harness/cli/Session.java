package dev.peft4j.harness.cli;

import ai.djl.Device;
import dev.peft4j.backbones.Backbone;
import dev.peft4j.backbones.Backbones;
import dev.peft4j.harness.data.DataLocator;
import dev.peft4j.harness.task.Task;
import dev.peft4j.harness.train.PromptTrainer;
import dev.peft4j.harness.train.TrainingListener;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** What a training command needs: the backbone, the plugins, the data. Closes the backbone. */
final class Session implements AutoCloseable {

    final Backbone backbone;
    final PluginRegistry registry;
    final DataLocator data;

    Session(String backboneName, DeviceOptions where) {
        this(Plugins.registry(), backboneName, where);
    }

    /** A session on a registry the command already built (so its load problems are reported once). */
    Session(PluginRegistry registry, String backboneName, DeviceOptions where) {
        this.registry = registry;
        this.data = dataLocator(where.data);
        this.backbone = Backbones.load(backboneName, Device.fromName(where.device));
    }

    /** The data locator of the data folder flag, else {@code PEFT4J_DATA}, else the download cache. */
    static DataLocator dataLocator(@Nullable Path dataFolder) {
        return DataLocator.builder().optDataFolder(dataFolder).optEnvironment(System.getenv()).build();
    }

    PromptTrainer trainer(@Nullable Path checkpoints, TrainingListener listener, Function<String, Task> tasks) {
        PromptTrainer.Builder builder = PromptTrainer.builder()
                .setBackbone(backbone)
                .setRegistry(registry)
                .setTasks(tasks)
                .setData(data)
                .optListener(listener);
        if (checkpoints != null) {
            builder.optCheckpointRoot(checkpoints);
        }
        return builder.build();
    }

    @Override
    public void close() {
        backbone.close();
    }
}
