package dev.peft4j.harness.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory, which covers native (libtorch) memory and the heap. */
final class PeakMemory {

    private PeakMemory() {}

    /**
     * Starts a new peak at the current resident size, so each run of a grid reports its own peak
     * instead of the largest since the process started. Linux only ({@code clear_refs} value 5,
     * which resets nothing else); elsewhere, or where it is not allowed, the peak stays cumulative.
     *
     * @return whether the peak was reset
     */
    static boolean reset() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5", StandardCharsets.US_ASCII);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Peak resident set size in bytes from {@code /proc/self/status}, else the heap in use. */
    static long current() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall back to the heap
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
