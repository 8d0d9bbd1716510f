package dev.peft4j.harness.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory and load of this process and machine from {@code /proc} (Linux; 0 elsewhere). */
final class ProcessStatus {

    private ProcessStatus() {}

    /** Current resident set size in bytes ({@code VmRSS}). */
    static long residentBytes() {
        return statusKilobytes("VmRSS:") * 1024;
    }

    /** Peak resident set size in bytes ({@code VmHWM}). */
    static long peakResidentBytes() {
        return statusKilobytes("VmHWM:") * 1024;
    }

    /** The 1-minute load average, or -1 when unknown. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The CPU model name and the AMX flags, or "unknown". */
    static String cpu() {
        try {
            String model = "unknown";
            java.util.TreeSet<String> amx = new java.util.TreeSet<>();
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name") && model.equals("unknown")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags")) {
                    for (String flag : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
                        if (flag.startsWith("amx")) {
                            amx.add(flag);
                        }
                    }
                }
            }
            return model + (amx.isEmpty() ? " (no AMX)" : " (" + String.join(" ", amx) + ")");
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static long statusKilobytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return 0;
    }
}
