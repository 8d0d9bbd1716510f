package dev.peft4j.harness.cli;

import org.slf4j.LoggerFactory;

/** Logs what DJL logs on a CPU run, after the command line's logging setup; run in its own JVM by tests. */
final class LoggingProbe {

    private LoggingProbe() {}

    public static void main(String[] args) {
        CliLogging.configure(CliLogging.isVerbose(args));
        LoggerFactory.getLogger("ai.djl.util.cuda.CudaUtils")
                .warn("Failed to detect GPU count: CUDA driver version is insufficient (35)");
        LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine").info("Number of inter-op threads is 2");
        LoggerFactory.getLogger("ai.djl.pytorch.engine.PtEngine").warn("a real DJL warning");
        LoggerFactory.getLogger("dev.peft4j.harness.experiment.ExperimentRunner").info("Shard 1/1: 2 runs");
        LoggerFactory.getLogger("dev.peft4j.harness.experiment.ExperimentRunner").debug("a debug detail");
    }
}
