package dev.peft4j.harness.cli;

import java.util.Map;

/**
 * The command line's logging, set through slf4j-simple's system properties before the first
 * logger exists: peft4j's INFO and every WARN as one short line each, DJL's start-up INFO lines
 * (platform, threads, graph optimizer), Jetty's start and stop lines and DJL's CUDA probe silent
 * on a CPU run, and everything down to DEBUG (with the stack traces logged there) under {@code --verbose}. A property the
 * user set with {@code -D} wins, e.g. {@code PEFT4J_JAVA_OPTS=-Dorg.slf4j.simpleLogger.log.ai.djl=info}.
 */
final class CliLogging {

    /** slf4j-simple's prefix for its settings. */
    static final String PREFIX = "org.slf4j.simpleLogger.";

    /**
     * DJL's CUDA probe warns "Failed to detect GPU count: CUDA driver version is insufficient"
     * on every CPU-only machine that has a CUDA runtime library but no usable driver; a run
     * asked for a GPU fails with its own error anyway.
     */
    static final String CUDA_PROBE_LOGGER = "ai.djl.util.cuda.CudaUtils";

    private CliLogging() {}

    /** Whether the arguments ask for {@code -v} or {@code --verbose} (options end at {@code --}). */
    static boolean isVerbose(String... args) {
        for (String arg : args) {
            if (arg.equals("--")) {
                return false;
            }
            if (arg.equals("-v") || arg.equals("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The settings for a run, quiet or verbose. */
    static Map<String, String> settings(boolean verbose) {
        return Map.of(
                PREFIX + "defaultLogLevel", verbose ? "debug" : "info",
                PREFIX + "log.ai.djl", verbose ? "debug" : "warn",
                PREFIX + "log." + CUDA_PROBE_LOGGER, verbose ? "debug" : "error",
                // serve's HTTP server: its start and stop lines only under --verbose (its DEBUG is a flood)
                PREFIX + "log.org.eclipse.jetty", verbose ? "info" : "warn",
                PREFIX + "showThreadName", Boolean.toString(verbose),
                PREFIX + "showShortLogName", Boolean.toString(!verbose),
                PREFIX + "showLogName", Boolean.toString(verbose),
                PREFIX + "levelInBrackets", "false");
    }

    /**
     * Applies {@link #settings} to the system properties the user left unset. It takes effect
     * only before slf4j-simple creates its first logger, as in {@code peft4j}'s main; a host
     * that embeds the command line keeps its own logging.
     */
    static void configure(boolean verbose) {
        settings(verbose).forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
