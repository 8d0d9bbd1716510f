package dev.peft4j.inference;

import dev.peft4j.api.PeftException;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Lets many threads use a native model at once and closes it only when none is inside: users hold
 * the read lock, {@link #close} takes the write lock, so it waits for in-flight calls, and every
 * later call fails with a clear exception instead of touching freed native memory.
 */
final class UseGuard {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String closedMessage;
    private boolean closed; // guarded by lock

    UseGuard(String closedMessage) {
        this.closedMessage = closedMessage;
    }

    /** Runs {@code action} unless closed; close waits until it returns. */
    <T> T use(Supplier<T> action) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new PeftException(closedMessage);
            }
            return action.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for every in-flight call, then runs {@code release} once; later calls do nothing. */
    void close(Runnable release) {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            release.run();
        } finally {
            lock.writeLock().unlock();
        }
    }

    boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }
}
