package dev.peft4j.examples

import dev.peft4j.api.PromptAdapterFiles
import dev.peft4j.api.PromptInit
import dev.peft4j.api.PromptShape
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

class ReadmeKotlinExampleTest {

    @TempDir
    lateinit var temp: Path

    @Test
    fun `exports the reparameterized prompt to an adapter folder`() {
        val adapter = exportPrompt(temp)

        val shape = PromptShape(10, 384)
        val initial = PromptInit.uniform().initialValues(shape, null, 42).values()
        assertThat(adapter.embeddings().shape).isEqualTo(shape)
        assertThat(adapter.embeddings().values()).isNotEqualTo(initial)
        assertThat(PromptAdapterFiles.read(temp)).isEqualTo(adapter)
    }

    @Test
    fun `the catalog lists the installed methods`() {
        assertThat(methodCatalog().describe())
            .hasSize(11)
            .anySatisfy { assertThat(it).startsWith("residual-prompt: ") }
            .contains("scaled-prompt: Example method: the prompt times a constant factor")
    }
}
