package dev.peft4j.examples;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.peft4j.api.AdapterConfig;
import dev.peft4j.api.Options;
import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import dev.peft4j.api.ReparameterizerPlugin;
import dev.peft4j.api.SoftPrompt;
import dev.peft4j.plugins.PluginRegistry;
import java.nio.file.Path;
import java.util.Map;

/** The README's Java example: pick a method by id, build a soft prompt, export P'. */
public final class ReadmeJavaExample {

    private ReadmeJavaExample() {}

    /** Builds a 10-token prompt for a 384-wide model and writes it as a PEFT adapter folder. */
    public static PromptAdapter exportPrompt(Path folder) {
        PluginRegistry registry = PluginRegistry.discover();
        ReparameterizerPlugin method = registry.get("residual-prompt");
        Options options = method.parseOptions(Map.of("bottleneck", "128", "activation", "gelu"));

        PromptShape shape = new PromptShape(10, 384);
        SoftPrompt prompt = SoftPrompt.builder()
                .setReparameterizer(method.create(shape, options))
                .optInit(PromptInit.uniform())   // or PromptInit.sampledVocabulary() with .optEncoder(...)
                .optSeed(42)
                .build();
        try (NDManager manager = NDManager.newBaseManager()) {
            prompt.initialize(manager, DataType.FLOAT32);
            // ... train P and Φ here (the harness, or your own DJL Trainer) ...
            // the base model's Hugging Face id, so that PEFT can load the folder
            PromptAdapter adapter = new PromptAdapter(
                    AdapterConfig.promptTuning(shape, 6, 12, "sentence-transformers/all-MiniLM-L6-v2"),
                    prompt.export());
            PromptAdapterFiles.write(folder, adapter);
            return adapter;
        }
    }
}
