package dev.peft4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peft4j.api.PromptAdapter;
import dev.peft4j.api.PromptAdapterFiles;
import dev.peft4j.api.PromptEmbeddings;
import dev.peft4j.api.PromptInit;
import dev.peft4j.api.PromptShape;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeJavaExampleTest {

    @TempDir
    Path temp;

    @Test
    void exportsTheReparameterizedPromptToAnAdapterFolder() {
        PromptAdapter adapter = ReadmeJavaExample.exportPrompt(temp);

        PromptShape shape = new PromptShape(10, 384);
        assertThat(adapter.embeddings().shape()).isEqualTo(shape);
        float[] initial = PromptInit.uniform().initialValues(shape, null, 42).values();
        float[] exported = adapter.embeddings().values();
        // P' = LayerNorm(MLP(P)) + P: finite, and not P itself
        assertThat(exported).doesNotContain(Float.NaN).isNotEqualTo(initial);
        double shift = 0;
        for (int i = 0; i < initial.length; i++) {
            shift += Math.abs(exported[i] - initial[i]);
        }
        // the LayerNorm output has unit variance per token, so P' - P averages about 0.8 in magnitude
        assertThat(shift / initial.length).isBetween(0.3, 1.5);
        PromptAdapter read = PromptAdapterFiles.read(temp);
        assertThat(read).isEqualTo(adapter);
        assertThat(read.config().baseModelNameOrPath()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(read.embeddings()).isInstanceOf(PromptEmbeddings.class);
    }
}
