package dev.peft4j.harness.experiment;

import java.nio.file.Path;

/** A second process for {@link RunLockTest}: holds the run lock named by its argument until killed. */
final class RunLockHolder {

    private RunLockHolder() {}

    public static void main(String[] args) throws Exception {
        RunLock lock = RunLock.tryAcquire(Path.of(args[0])).orElseThrow();
        System.out.println("locked " + lock.getFile());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
