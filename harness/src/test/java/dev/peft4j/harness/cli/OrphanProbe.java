package dev.peft4j.harness.cli;

import java.nio.file.Path;

/**
 * Processes for {@link CompareWorkersTest}: {@code parent} starts a {@code worker} and prints its
 * pid, then waits to be killed; a {@code worker} calls {@link GridWorkers#endWithParent} and would
 * otherwise sleep for ever.
 */
final class OrphanProbe {

    private OrphanProbe() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("parent")) {
            Process worker = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), OrphanProbe.class.getName(), "worker",
                    Long.toString(ProcessHandle.current().pid()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            System.out.println(worker.pid());
            System.out.flush();
        } else {
            GridWorkers.endWithParent(Long.parseLong(args[1]));
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
