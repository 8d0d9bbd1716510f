package dev.peft4j.api.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import dev.peft4j.api.PeftException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/**
 * The engine check with injected failures: a class path without the native jar cannot be made in
 * this JVM, so the failures DJL throws there are handed in (as seen in a run without the jar).
 */
class EngineCheckTest {

    /** What DJL 0.36 throws when pytorch-native-cpu is missing and the download fails offline (seen in a run). */
    private static EngineException offlineWithoutNatives() {
        return new EngineException("Failed to save pytorch index file", new UnknownHostException("publish.djl.ai"));
    }

    @Test
    void aMissingNativeLibraryNamesTheDependenciesToAddNotAFile() {
        assertThatThrownBy(() -> EngineCheck.require(() -> {
            throw offlineWithoutNatives();
        }))
                .isInstanceOf(PeftException.class)
                .hasCauseInstanceOf(EngineException.class)
                .hasMessageContaining("UnknownHostException: publish.djl.ai")
                .hasMessageContaining("could not download one")
                .hasMessageContaining("ai.djl.pytorch:pytorch-native-cpu:2.7.1 with classifier ")
                .hasMessageContaining("ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0")
                .hasMessageContaining("pytorch-native-cu128").hasMessageContaining("PYTORCH_LIBRARY_PATH")
                .hasMessageNotContaining("safetensors");
    }

    @Test
    void aMissingEngineJarNamesItToo() {
        String message = EngineCheck.message(new IllegalArgumentException("Deep learning engine not found: PyTorch"),
                "osx-aarch64");

        assertThat(message).contains("no DJL PyTorch engine on its class path")
                .contains("ai.djl.pytorch:pytorch-engine:0.36.0")
                .contains("pytorch-native-cpu:2.7.1 with classifier osx-aarch64");
    }

    @Test
    void platformsAreNamedAsDjlClassifiers() {
        assertThat(EngineCheck.platform("Linux", "amd64")).isEqualTo("linux-x86_64");
        assertThat(EngineCheck.platform("Linux", "aarch64")).isEqualTo("linux-aarch64");
        assertThat(EngineCheck.platform("Mac OS X", "aarch64")).isEqualTo("osx-aarch64");
        assertThat(EngineCheck.platform("Windows 11", "amd64")).isEqualTo("win-x86_64");
    }

    @Test
    void aWorkingEngineIsReturned() {
        assertThat(EngineCheck.require().getEngineName()).isEqualTo(Engine.getInstance().getEngineName());
        assertThat(EngineCheck.require(EngineCheck.PYTORCH).getEngineName()).isEqualTo("PyTorch");
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        assertThat(EngineCheck.message(a, "linux-x86_64")).contains("RuntimeException: a; caused by RuntimeException: b");
    }
}
