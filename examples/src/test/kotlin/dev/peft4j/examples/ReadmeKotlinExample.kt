package dev.peft4j.examples

import ai.djl.ndarray.NDManager
import ai.djl.ndarray.types.DataType
import com.google.inject.Guice
import dev.peft4j.api.AdapterConfig
import dev.peft4j.api.PromptAdapter
import dev.peft4j.api.PromptAdapterFiles
import dev.peft4j.api.PromptInit
import dev.peft4j.api.PromptShape
import dev.peft4j.api.ReparameterizerPlugin
import dev.peft4j.api.SoftPrompt
import dev.peft4j.plugins.PluginRegistry
import dev.peft4j.plugins.guice.PeftModule
import jakarta.inject.Inject
import java.nio.file.Path

/** The README's Kotlin example: pick a method by id, build a soft prompt, export P'. */
fun exportPrompt(folder: Path): PromptAdapter {
    val registry = PluginRegistry.discover()
    val method = registry.get("residual-prompt")
    val options = method.parseOptions(mapOf("bottleneck" to 128, "activation" to "gelu"))

    val shape = PromptShape(10, 384)
    val prompt = SoftPrompt.builder()
        .setReparameterizer(method.create(shape, options))
        .optInit(PromptInit.uniform())
        .optSeed(42)
        .build()
    return NDManager.newBaseManager().use { manager ->
        prompt.initialize(manager, DataType.FLOAT32)
        // ... train P and Φ here (the harness, or your own DJL Trainer) ...
        // the base model's Hugging Face id, so that PEFT can load the folder
        val config = AdapterConfig.promptTuning(shape, 6, 12, "sentence-transformers/all-MiniLM-L6-v2")
        val adapter = PromptAdapter(config, prompt.export())
        PromptAdapterFiles.write(folder, adapter)
        adapter
    }
}

/** A host class that receives every installed method by id from Guice. */
class MethodCatalog @Inject constructor(
    // Without @JvmSuppressWildcards Kotlin asks Guice for Map<String, ? extends ReparameterizerPlugin>.
    private val methods: Map<String, @JvmSuppressWildcards ReparameterizerPlugin>,
) {
    /** One line per method, sorted by id. */
    fun describe(): List<String> = methods.values.sortedBy { it.id }.map { "${it.id}: ${it.description}" }
}

/** The README's Guice example: discover before, bind inside, inject where needed. */
fun methodCatalog(): MethodCatalog = Guice.createInjector(PeftModule.fromClassPath()).getInstance(MethodCatalog::class.java)
