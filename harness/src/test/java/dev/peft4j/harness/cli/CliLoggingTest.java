package dev.peft4j.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The logging settings of a quiet and of a verbose run. */
class CliLoggingTest {

    @Test
    void quietRunSilencesDjlStartUpAndTheCudaProbe() {
        assertThat(CliLogging.settings(false))
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "info")
                .containsEntry("org.slf4j.simpleLogger.log.ai.djl", "warn")
                .containsEntry("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error")
                .containsEntry("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
    }

    @Test
    void verboseRunLogsEverythingDownToDebug() {
        assertThat(CliLogging.settings(true))
                .containsEntry("org.slf4j.simpleLogger.defaultLogLevel", "debug")
                .containsEntry("org.slf4j.simpleLogger.log.ai.djl", "debug")
                .containsEntry("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "debug");
    }

    @Test
    void verboseIsFoundBeforeOrAfterTheSubcommandButNotAfterDoubleDash() {
        assertThat(CliLogging.isVerbose("-v", "list")).isTrue();
        assertThat(CliLogging.isVerbose("compare", "--tasks", "cb", "--verbose")).isTrue();
        assertThat(CliLogging.isVerbose("compare", "--tasks", "cb")).isFalse();
        assertThat(CliLogging.isVerbose("train", "--", "--verbose")).isFalse();
    }
}
