package dev.peft4j.harness.experiment;

import dev.peft4j.api.PeftException;
import dev.peft4j.api.internal.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock of one run in a results folder, held while a process trains it, so that processes
 * sharing a folder (shards on machines that mount one folder, or a command started twice) split
 * the runs instead of training one twice. The lock file names its owner (pid and host) for the
 * messages; the operating system's lock on it is what excludes, so a process that dies releases
 * it. On a file system without locks the file's content decides: a lock of a dead process on this
 * host is stale and taken over, a lock of another host is respected until its file is deleted.
 */
public final class RunLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);

    /** The key of a file that does not exist. */
    private static final Object MISSING = new Object();

    /** Lock files held by this process: the operating system's lock does not exclude two threads of one JVM. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Owner owner;
    private final @Nullable FileChannel channel;
    private final @Nullable Object fileKey;
    private final AtomicBoolean released = new AtomicBoolean();

    private RunLock(Path file, Owner owner, @Nullable FileChannel channel, @Nullable Object fileKey) {
        this.file = file;
        this.owner = owner;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /**
     * Takes the lock in {@code file} (creating the file and its folder) unless another process,
     * or another runner of this process, holds it.
     *
     * @return the lock, or empty when it is held
     * @throws PeftException when the lock file cannot be created
     */
    public static Optional<RunLock> tryAcquire(Path file) {
        return tryAcquire(file, true);
    }

    /** As {@link #tryAcquire(Path)}; without {@code osLocks}, as on a file system that has none. */
    static Optional<RunLock> tryAcquire(Path file, boolean osLocks) {
        Path key = file.toAbsolutePath().normalize();
        if (!HELD.add(key)) {
            return Optional.empty();
        }
        Optional<RunLock> lock = Optional.empty();
        try {
            Files.createDirectories(key.getParent());
            lock = osLocks ? withFileLock(key) : withContentOnly(key);
            return lock;
        } catch (IOException e) {
            throw new PeftException("Cannot create the run lock " + key + " (" + e + "); check that the results "
                    + "folder is writable.", e);
        } finally {
            if (lock.isEmpty()) {
                HELD.remove(key);
            }
        }
    }

    // POSIX drops a process's file locks when it closes ANY descriptor of the file: while the lock
    // is held, this process reads and writes the file only through the locking channel
    private static Optional<RunLock> withFileLock(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        boolean kept = false;
        try {
            Object opened = fileKey(file);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return Optional.empty(); // held through another channel of this JVM
            } catch (IOException e) {
                LOG.debug("No file locks on {} ({}); the lock file's content decides", file, e.toString());
                if (channel.size() == 0) {
                    Files.deleteIfExists(file); // most likely created by the open above; content mode creates its own
                }
                return withContentOnly(file);
            }
            // the previous holder deletes the file when it releases; a lock on that deleted file is worthless
            if (lock == null || opened == MISSING || (opened != null && !opened.equals(fileKey(file)))) {
                return Optional.empty();
            }
            String previous = readThrough(channel);
            if (!previous.isBlank()) {
                LOG.warn("Taking over the stale run lock {} of {}: that process ended without releasing it",
                        file, Owner.parse(previous).map(Owner::toString).orElse("an unknown process"));
            }
            Owner me = Owner.current();
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.toText().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            kept = true;
            return Optional.of(new RunLock(file, me, channel, opened));
        } finally {
            if (!kept) {
                channel.close();
            }
        }
    }

    /** The identity of the file at {@code path} (inode and device on Unix), without opening it; null if unknown. */
    private static @Nullable Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return MISSING;
        } catch (IOException e) {
            return null;
        }
    }

    private static String readThrough(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    private static Optional<RunLock> withContentOnly(Path file) throws IOException {
        Owner me = Owner.current();
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.writeString(file, me.toText(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return Optional.of(new RunLock(file, me, null, null));
            } catch (FileAlreadyExistsException e) {
                String text = read(file);
                if (text == null) {
                    continue; // released meanwhile
                }
                Optional<Owner> owner = Owner.parse(text);
                if (owner.isEmpty() || !owner.get().isDeadOnThisHost()) {
                    return Optional.empty();
                }
                LOG.warn("Taking over the stale run lock {} of {}: that process is no longer running", file, owner.get());
                Files.deleteIfExists(file);
            }
        }
        return Optional.empty();
    }

    /**
     * Who holds the lock in {@code file}, in words, for a message: {@code "process 1234 on host
     * gpu-3"}, or a description of why that is not known.
     */
    public static String describeHolder(Path file) {
        if (HELD.contains(file.toAbsolutePath().normalize())) {
            return "another runner of this process";
        }
        String text = read(file);
        if (text == null) {
            return "a process that has just released it";
        }
        return Owner.parse(text).map(Owner::toString).orElse("another process (its lock file names no owner yet)");
    }

    /** The lock file. */
    public Path getFile() {
        return file;
    }

    /** Releases the lock and deletes its file; a second call does nothing. */
    @Override
    public void close() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        try {
            // delete while still holding the lock, and only our own file (never opening it, see withFileLock)
            boolean ours = channel != null
                    ? fileKey == null || fileKey.equals(fileKey(file))
                    : owner.toText().equals(read(file));
            if (ours) {
                Files.deleteIfExists(file);
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.warn("Cannot release the run lock {} ({}); delete it by hand if no process holds it", file, e.toString());
        } finally {
            HELD.remove(file);
        }
    }

    private static @Nullable String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new PeftException("Cannot read the run lock " + file + " (" + e + ").", e);
        }
    }

    /** The process that holds a lock; the token tells two locks of one process apart. */
    record Owner(long pid, String host, String token) {

        // the same host name as temporary file names carry, so both tell this machine's processes apart alike
        private static final String HOST = AtomicFiles.host();

        static Owner current() {
            return new Owner(ProcessHandle.current().pid(), HOST, UUID.randomUUID().toString());
        }

        /** The owner written by {@link #toText()}, or empty for anything else (a file being written). */
        static Optional<Owner> parse(String text) {
            String[] parts = text.trim().split("\\s+");
            if (parts.length != 6 || !parts[0].equals("pid") || !parts[2].equals("host") || !parts[4].equals("token")) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Owner(Long.parseLong(parts[1]), parts[3], parts[5]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        String toText() {
            return "pid " + pid + " host " + host + " token " + token + "\n";
        }

        /** Whether this owner ran on this host and its process has ended (a stale lock). */
        boolean isDeadOnThisHost() {
            return host.equals(HOST) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }

        static String thisHost() {
            return HOST;
        }

        @Override
        public String toString() {
            return "process " + pid + " on host " + host;
        }
    }
}
