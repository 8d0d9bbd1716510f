package dev.peft4j.examples

import ai.djl.ndarray.NDManager
import ai.djl.ndarray.types.DataType
import com.google.inject.Guice
import com.google.inject.Key
import com.google.inject.TypeLiteral
import dev.peft4j.api.InvalidOptionException
import dev.peft4j.api.OptionType
import dev.peft4j.api.PluginException
import dev.peft4j.api.PromptShape
import dev.peft4j.api.ReparameterizerPlugin
import dev.peft4j.api.SoftPrompt
import dev.peft4j.plugins.PluginProblem
import dev.peft4j.plugins.PluginRegistry
import dev.peft4j.plugins.guice.PeftModule
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.Test

/**
 * The API as a Kotlin user meets it. Compiled with -Xjspecify-annotations=strict and -Werror:
 * a wrong nullability in the Java API would fail this module's build. No `!!` anywhere.
 */
class KotlinUsageTest {

    private val registry = PluginRegistry.discover()

    @Test
    fun `discovers the plugin and reads its declarations as properties`() {
        val info = registry.list().single { it.id == "scaled-prompt" }

        assertThat(info.id).isEqualTo("scaled-prompt")
        assertThat(info.apiVersion.major).isEqualTo(1)
        assertThat(info.options.map { it.name to it.type }).containsExactly("scale" to OptionType.DECIMAL)
        assertThat(registry.ids).containsExactly("dept", "dpt", "lora", "mlp-prompt", "p-tuning", "prefix-tuning",
            "prompt-tuning", "residual-prefix", "residual-prompt", "scaled-prompt", "superpos")
        assertThat(registry.problems).isEmpty()
    }

    @Test
    fun `nullable values are nullable in Kotlin`() {
        // cause is @Nullable in Java, so Kotlin insists on ?. here
        val problem = PluginProblem("class path", "broken", null)
        val causeMessage: String? = problem.cause?.message

        assertThat(causeMessage).isNull()
        assertThat(registry.find("missing-method").isPresent).isFalse()
        val found: ReparameterizerPlugin? = registry.find("scaled-prompt").orElse(null)
        assertThat(found?.id).isEqualTo("scaled-prompt")
    }

    @Test
    fun `builds a soft prompt with options and exports it`() {
        val method = registry.get("scaled-prompt")
        val options = method.parseOptions(mapOf("scale" to "2"))
        val shape = PromptShape(4, 8)
        val prompt = SoftPrompt.builder()
            .setReparameterizer(method.create(shape, options))
            .optSeed(7)
            .build()

        NDManager.newBaseManager().use { manager ->
            prompt.initialize(manager, DataType.FLOAT32)
            val exported = prompt.export()

            assertThat(options.getDouble("scale")).isEqualTo(2.0)
            assertThat(exported.shape).isEqualTo(shape)
            assertThat(exported.values().size).isEqualTo(32)
            assertThat(prompt.trainableParameterCount).isEqualTo(32L)
            val initial = prompt.promptParameter.array.toFloatArray()
            assertThat(exported.get(3, 7)).isEqualTo(initial[31] * 2f)
        }
    }

    @Test
    fun `bad names fail with messages that help`() {
        assertThatThrownBy { registry.get("scaled-promt") }
            .isInstanceOf(PluginException::class.java)
            .hasMessageContaining("Did you mean 'scaled-prompt'?")
        assertThatThrownBy { registry.get("scaled-prompt").parseOptions(mapOf("scal" to 2)) }
            .isInstanceOf(InvalidOptionException::class.java)
            .hasMessageContaining("Did you mean 'scale'?")
    }

    @Test
    fun `Guice injects the registry and the plugins by id`() {
        val injector = Guice.createInjector(PeftModule(registry))

        val methods = injector.getInstance(
            Key.get(object : TypeLiteral<Map<String, @JvmSuppressWildcards ReparameterizerPlugin>>() {}),
        )

        assertThat(injector.getInstance(PluginRegistry::class.java)).isSameAs(registry)
        assertThat(methods.keys).contains("residual-prompt", "scaled-prompt")
        assertThat(methods["scaled-prompt"]).isSameAs(registry.get("scaled-prompt"))
    }
}
