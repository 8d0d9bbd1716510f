package dev.peft4j.harness.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peft4j.api.PeftException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run locks: held ones are skipped, stale ones taken over, every one released. */
class RunLockTest {

    @TempDir
    Path temp;

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        Process process = new ProcessBuilder("java", "-version").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        process.waitFor();
        return process.pid();
    }

    private static String ownerText(long pid, String host) {
        return "pid " + pid + " host " + host + " token test\n";
    }

    @Test
    void aStaleLockOfADeadProcessIsTakenOverAndTheRunTrained() throws Exception {
        ResultsFolder folder = new ResultsFolder(temp);
        List<RunSpec> runs = ExperimentRunnerTest.grid().expand();
        Path stale = folder.lockFileFor(runs.get(0).getRunId());
        Files.writeString(stale, ownerText(deadPid(), RunLock.Owner.thisHost()));
        List<String> trained = new ArrayList<>();
        new ExperimentRunner(folder).run(ExperimentRunnerTest.grid(), Shard.ALL, spec -> {
            trained.add(spec.getRunId());
            return ExperimentRunnerTest.fakeResult(spec);
        });
        assertThat(trained).hasSize(runs.size()).contains(runs.get(0).getRunId());
        assertThat(stale).doesNotExist();
    }

    @Test
    void withoutFileLocksTheContentDecides() throws Exception {
        Path file = temp.resolve("run.lock");
        Files.writeString(file, ownerText(deadPid(), RunLock.Owner.thisHost()));
        Optional<RunLock> takenOver = RunLock.tryAcquire(file, false);
        assertThat(takenOver).isPresent();
        assertThat(RunLock.tryAcquire(file, false)).as("held by this process").isEmpty();
        takenOver.get().close();
        assertThat(file).doesNotExist();

        long live = ProcessHandle.current().pid();
        Files.writeString(file, ownerText(live, RunLock.Owner.thisHost()));
        assertThat(RunLock.tryAcquire(file, false)).as("a live process of this host").isEmpty();
        assertThat(RunLock.describeHolder(file)).isEqualTo("process " + live + " on host " + RunLock.Owner.thisHost());

        Files.writeString(file, ownerText(deadPid(), "another-host"));
        assertThat(RunLock.tryAcquire(file, false)).as("another host: liveness unknown").isEmpty();
        assertThat(file).exists();
    }

    @Test
    void aRunLockedByALiveProcessIsSkippedAndTheOthersTrained() throws Exception {
        ResultsFolder folder = new ResultsFolder(temp);
        List<RunSpec> runs = ExperimentRunnerTest.grid().expand();
        String lockedId = runs.get(2).getRunId();
        Path lockFile = folder.lockFileFor(lockedId);
        List<String> trained = new ArrayList<>();
        RunExecutor fake = spec -> {
            trained.add(spec.getRunId());
            return ExperimentRunnerTest.fakeResult(spec);
        };
        long live = ProcessHandle.current().pid();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = channel.lock()) {
            Files.writeString(lockFile, ownerText(live, "elsewhere"));
            assertThat(held.isValid()).isTrue();
            new ExperimentRunner(folder).run(ExperimentRunnerTest.grid(), Shard.ALL, fake);
            assertThat(RunLock.describeHolder(lockFile)).isEqualTo("process " + live + " on host elsewhere");
        }
        assertThat(trained).hasSize(runs.size() - 1).doesNotContain(lockedId);
        assertThat(folder.isFinished(runs.get(2))).isFalse();

        // that process ended without finishing: the next runner trains the run
        trained.clear();
        new ExperimentRunner(folder).run(ExperimentRunnerTest.grid(), Shard.ALL, fake);
        assertThat(trained).containsExactly(lockedId);
        assertThat(lockFile).doesNotExist();
    }

    @Test
    void aFailingRunReleasesItsLock() {
        ResultsFolder folder = new ResultsFolder(temp);
        RunSpec first = ExperimentRunnerTest.grid().expand().get(0);
        assertThatThrownBy(() -> new ExperimentRunner(folder).run(ExperimentRunnerTest.grid(), Shard.ALL, spec -> {
            throw new PeftException("no data");
        })).hasMessage("no data");
        assertThat(folder.lockFileFor(first.getRunId())).doesNotExist();
        assertThat(folder.tryLock(first.getRunId())).isPresent().get().satisfies(RunLock::close);
    }

    @Test
    void aLockOfAnotherProcessExcludesUntilThatProcessDies() throws Exception {
        Path file = temp.resolve("run.lock");
        Path javaCommand = Path.of(System.getProperty("java.home"), "bin", "java");
        Process holder = new ProcessBuilder(javaCommand.toString(), "-cp", System.getProperty("java.class.path"),
                RunLockHolder.class.getName(), file.toString()).redirectErrorStream(true).start();
        try {
            String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(line).as("the holder's first line").startsWith("locked");
            assertThat(RunLock.tryAcquire(file)).isEmpty();
            assertThat(RunLock.describeHolder(file))
                    .isEqualTo("process " + holder.pid() + " on host " + RunLock.Owner.thisHost());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        // killed without releasing: the operating system released its lock, the file is taken over
        assertThat(file).exists();
        Optional<RunLock> mine = RunLock.tryAcquire(file);
        assertThat(mine).isPresent();
        mine.get().close();
        assertThat(file).doesNotExist();
    }
}
