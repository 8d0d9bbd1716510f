package dev.peft4j.harness.cli;

import dev.peft4j.api.PeftException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code compare --workers N}: trains one grid in N worker processes at once. Each worker is a
 * child JVM (this JVM's binary, options and class path) running the same {@code compare} with
 * {@code --worker i/N} (and this process's id) added; every worker walks the same pending runs and claims each through the
 * results folder's run locks, so a worker that finishes early takes the next free run and no run
 * trains twice. Each run is seeded and trained alone, so its result does not depend on which
 * worker trained it. The children's lines are printed prefixed with their worker; one failing
 * stops the others and fails the command with its exit status and last error lines; ending this
 * process (Ctrl-C, kill) ends the workers.
 */
final class GridWorkers {

    /** DJL's PyTorch engine reads its intra-op thread count from this property when it starts. */
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    /** DJL's PyTorch engine reads its inter-op thread count from this property when it starts. */
    static final String INTEROP_THREADS_PROPERTY = "ai.djl.pytorch.num_interop_threads";

    /** Lines of a failed worker's standard error quoted in the command's error. */
    static final int LAST_LINES = 15;

    /** The status of a worker that stops because its parent ended (128 + SIGTERM, as if terminated). */
    private static final int STOPPED_STATUS = 143;

    /** Seconds a stopped worker gets to end before it is killed. */
    private static final long STOP_SECONDS = 20;

    /**
     * The libtorch threads of each worker and why.
     *
     * @param threads intra-op threads per worker
     * @param reason how that number was chosen, for the start line
     */
    record Threads(int threads, String reason) {

        /**
         * The rule: the machine's cores shared out, {@code max(1, cores / workers)}, so the
         * workers together use each core once; a thread count the user set with
         * {@code -Dai.djl.pytorch.num_threads} is kept for each worker instead.
         */
        static Threads of(int cores, int workers, @Nullable String explicit) {
            if (explicit != null && !explicit.isBlank()) {
                try {
                    return new Threads(Math.max(1, Integer.parseInt(explicit.trim())), "-D" + THREADS_PROPERTY);
                } catch (NumberFormatException e) {
                    throw new PeftException("-D" + THREADS_PROPERTY + "=" + explicit + " is not a whole number of "
                            + "threads; give a positive number, or leave it out to share the cores among the workers.");
                }
            }
            return new Threads(Math.max(1, cores / workers), cores + " cores / " + workers + " workers");
        }
    }

    private final List<String> arguments;
    private final int count;
    private final Threads threads;
    private final boolean verbose;
    private final PrintWriter out;
    private final PrintWriter err;

    /**
     * @param arguments the command line of this process ({@code compare ...}), repeated by each worker
     * @param count how many workers to start
     * @param threads libtorch threads per worker
     * @param verbose whether the command runs with {@code --verbose} (the workers then log everything)
     * @param out where the workers' standard output goes
     * @param err where the workers' standard error goes
     */
    GridWorkers(List<String> arguments, int count, Threads threads, boolean verbose, PrintWriter out, PrintWriter err) {
        this.arguments = List.copyOf(arguments);
        this.count = count;
        this.threads = threads;
        this.verbose = verbose;
        this.out = out;
        this.err = err;
    }

    /** The command line of worker {@code index} (1-based): this JVM again, with {@code --worker index/count}. */
    List<String> command(int index) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // a debugger's port can be opened once; the thread counts are set below
            if (!option.startsWith("-agentlib:jdwp") && !option.startsWith("-Xrunjdwp")
                    && !option.startsWith("-D" + THREADS_PROPERTY + "=")) {
                command.add(option);
            }
        }
        command.add("-D" + THREADS_PROPERTY + "=" + threads.threads());
        String interop = System.getProperty(INTEROP_THREADS_PROPERTY);
        if (interop != null) {
            command.add("-D" + INTEROP_THREADS_PROPERTY + "=" + interop);
        }
        if (!verbose) {
            // each worker would say of every run the others hold that it skips it
            command.add("-D" + CliLogging.PREFIX + "log.dev.peft4j.harness.experiment.ExperimentRunner=warn");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Peft4jCommand.class.getName());
        command.addAll(arguments);
        command.add("--worker");
        command.add(index + "/" + count);
        command.add("--worker-parent");
        command.add(Long.toString(ProcessHandle.current().pid()));
        return command;
    }

    /**
     * Starts the workers and waits for all of them.
     *
     * @throws PeftException when a worker cannot start or ends with a non-zero status (the others
     *     are stopped first; every run finished so far is saved)
     */
    void run() {
        List<Worker> workers = new ArrayList<>();
        Thread stopper = new Thread(() -> stop(workers), "peft4j-stop-workers");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            BlockingQueue<Worker> ended = new LinkedBlockingQueue<>();
            for (int index = 1; index <= count; index++) {
                Worker worker = start(index);
                synchronized (workers) {
                    workers.add(worker);
                }
                worker.process.onExit().thenRun(() -> ended.add(worker));
            }
            for (int i = 0; i < count; i++) {
                Worker worker = ended.take();
                worker.awaitOutput();
                int status = worker.process.exitValue();
                if (status != 0) {
                    throw new PeftException("Worker " + worker.index + " of " + count + " (process "
                            + worker.process.pid() + ") failed with exit status " + status + "; the other workers "
                            + "were stopped. Every run finished so far is saved: run the same command again to go on "
                            + "from there (with --workers 1 to see the failure in this process). Its last error "
                            + "lines:" + worker.lastLines());
                }
            }
        } catch (InterruptedException e) {
            stop(workers);
            Thread.currentThread().interrupt();
            throw new PeftException("Interrupted while waiting for the grid's worker processes; they were stopped.", e);
        } catch (RuntimeException e) {
            // a worker failed or another could not start: none trains on without this command
            stop(workers);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopper);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook stops the workers
            }
        }
    }

    private Worker start(int index) {
        ProcessBuilder builder = new ProcessBuilder(command(index));
        // OpenMP pools started before libtorch's own setting get the same count
        builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads.threads()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new PeftException("Cannot start worker " + index + " of " + count + " (" + e + "): check that "
                    + builder.command().get(0) + " runs, or use --workers 1 to train in this process.", e);
        }
        return new Worker(index, process, "worker " + index + " | ", out, err);
    }

    /**
     * In a worker: ends this process when the parent {@code compare} (process {@code parentPid})
     * ends, even when it was killed without running its shutdown hook, and at once when it ended
     * before this worker got here, so no worker trains on unattended. An interrupted run resumes
     * from its last checkpoint when the command runs again.
     */
    static void endWithParent(long parentPid) {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent().filter(p -> p.pid() == parentPid);
        if (parent.isPresent()) {
            parent.get().onExit().thenRun(() -> stopOrphan(parentPid));
        } else {
            stopOrphan(parentPid);
        }
    }

    private static void stopOrphan(long parentPid) {
        System.err.println("error: the compare command that started this worker (process " + parentPid
                + ") has ended; stopping");
        Runtime.getRuntime().halt(STOPPED_STATUS);
    }

    /** Ends every worker still running: politely, then by force. */
    private static void stop(List<Worker> workers) {
        List<Worker> all;
        synchronized (workers) {
            all = List.copyOf(workers);
        }
        for (Worker worker : all) {
            worker.process.destroy();
        }
        for (Worker worker : all) {
            try {
                if (!worker.process.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                    worker.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                worker.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One worker process and the two threads copying its output, prefixed, to this command's streams. */
    private static final class Worker {

        final int index;
        final Process process;
        private final Deque<String> lastErrorLines = new ArrayDeque<>();
        private final Thread stdout;
        private final Thread stderr;

        Worker(int index, Process process, String prefix, PrintWriter out, PrintWriter err) {
            this.index = index;
            this.process = process;
            this.stdout = copy(process.getInputStream(), prefix, out, null, "peft4j-worker-" + index + "-out");
            this.stderr = copy(process.getErrorStream(), prefix, err, lastErrorLines, "peft4j-worker-" + index + "-err");
        }

        private static Thread copy(InputStream stream, String prefix, PrintWriter target,
                @Nullable Deque<String> keep, String name) {
            Thread thread = new Thread(() -> {
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, Charset.defaultCharset()))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        synchronized (target) {
                            target.println(prefix + line);
                            target.flush();
                        }
                        if (keep != null) {
                            synchronized (keep) {
                                keep.addLast(line);
                                if (keep.size() > LAST_LINES) {
                                    keep.removeFirst();
                                }
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process ended and its pipe closed: nothing more to copy
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        /** Waits until the ended process's output is copied, so its lines precede what follows. */
        void awaitOutput() throws InterruptedException {
            stdout.join();
            stderr.join();
        }

        String lastLines() {
            synchronized (lastErrorLines) {
                if (lastErrorLines.isEmpty()) {
                    return " (none)";
                }
                StringBuilder text = new StringBuilder();
                lastErrorLines.forEach(line -> text.append("\n  ").append(line));
                return text.toString();
            }
        }
    }

    /** The start line: how many, and the threads each one gets. */
    String describe() {
        return String.format(Locale.ROOT, "Workers: %d processes, %d libtorch thread%s each (%s)",
                count, threads.threads(), threads.threads() == 1 ? "" : "s", threads.reason());
    }
}
