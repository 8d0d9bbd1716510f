package dev.peft4j.api.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Replaces files and folders so that a reader, or a process killed mid-write, sees either the old
 * content or the new one, never a truncated file or a half-written folder: exports, checkpoints
 * and run results all depend on it. Content is forced to the disk (file, then folder) before the
 * rename, so a power loss after the rename cannot leave a renamed but empty file either.
 *
 * <p>Temporary names carry the writer's host and process id ({@code <name>.<host>.<pid>.<uuid>.tmp}),
 * so that {@link #removeOrphans} can tell what a killed process left behind from what a live one
 * is still writing, also in a folder that several machines share (a pid is only meaningful on
 * its own host).
 */
public final class AtomicFiles {

    /** {@code <name>.<host>.<pid>.<uuid>.tmp} (being written) or {@code .old} (a replaced folder being removed). */
    private static final Pattern TEMPORARY = Pattern.compile(
            "(.+)\\.([A-Za-z0-9-]+)\\.(\\d+)\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.(tmp|old)");

    private static final String HOST = hostTag();

    private AtomicFiles() {}

    /** Fills a folder with files; the folder exists and is empty when called. */
    @FunctionalInterface
    public interface FolderContent {
        /** Writes the files into {@code folder}. */
        void writeInto(Path folder) throws IOException;
    }

    /**
     * Writes {@code content} to a fresh file beside {@code target}, forces it to the disk, then
     * renames it over {@code target} (atomically where the file system can) and forces the
     * folder. Creates missing parent folders.
     *
     * @throws IOException if writing or renaming fails; the temporary file is removed
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        // not createTempFile: its owner-only permissions would survive the rename
        Path temp = temporary(absolute, "tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            forceFolder(absolute.getParent());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes a whole folder: {@code content} fills a fresh folder beside {@code target}, every
     * file in it is forced to the disk, and it is renamed to {@code target}. An existing
     * {@code target} is first renamed aside and removed after the new folder is in place, so
     * readers see the old folder or the new one, whole; a process killed between those two
     * renames leaves the old folder under a temporary name, which {@link #removeOrphans} puts
     * back. Creates missing parent folders.
     *
     * @throws IOException if writing fails; the temporary folder is removed and {@code target}
     *     left as it was
     */
    public static void writeFolder(Path target, FolderContent content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path temp = temporary(absolute, "tmp");
        Path replaced = null;
        try {
            Files.createDirectory(temp);
            content.writeInto(temp);
            forceTree(temp);
            if (Files.exists(absolute)) {
                replaced = temporary(absolute, "old");
                move(absolute, replaced);
            }
            move(temp, absolute);
            forceFolder(parent);
        } catch (IOException | RuntimeException e) {
            if (replaced != null && !Files.exists(absolute)) {
                move(replaced, absolute);
                replaced = null;
            }
            throw e;
        } finally {
            deleteTree(temp);
            // only once the new folder is in place: otherwise removeOrphans puts the old one back
            if (replaced != null && Files.exists(absolute)) {
                deleteTree(replaced);
            }
        }
    }

    /**
     * Removes what killed writers left in {@code folder} (not its subfolders): temporary files
     * and folders of processes of this host that are no longer alive (another host's are left
     * alone: its pids cannot be checked from here). A folder that was being replaced when
     * its writer died is put back if nothing took its place, removed otherwise. Entries of live
     * processes (this one included) and names not written by this class are left alone.
     *
     * @return the entries removed or put back, empty when there were none or {@code folder}
     *     does not exist
     * @throws IOException if the folder cannot be listed or an orphan cannot be removed
     */
    public static List<Path> removeOrphans(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(folder)) {
            entries = list.sorted().toList();
        }
        List<Path> handled = new ArrayList<>();
        for (Path entry : entries) {
            Matcher matcher = TEMPORARY.matcher(entry.getFileName().toString());
            if (!matcher.matches() || !matcher.group(2).equals(HOST) || isAlive(Long.parseLong(matcher.group(3)))) {
                continue;
            }
            Path original = entry.resolveSibling(matcher.group(1));
            if (matcher.group(4).equals("old") && !Files.exists(original)) {
                move(entry, original);
            } else {
                deleteTree(entry);
            }
            handled.add(entry);
        }
        if (!handled.isEmpty()) {
            forceFolder(folder);
        }
        return handled;
    }

    /** Deletes a file or a folder with everything in it; nothing happens if it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static Path temporary(Path target, String kind) {
        return target.resolveSibling(target.getFileName() + "." + HOST + "." + ProcessHandle.current().pid() + "."
                + UUID.randomUUID() + "." + kind);
    }

    /** This machine's name as temporary names carry it (letters, digits and '-'). */
    public static String host() {
        return HOST;
    }

    /** The host name reduced to letters, digits and '-', at most 40 of them; "localhost" if unknown. */
    private static String hostTag() {
        String name;
        try {
            name = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            name = "localhost";
        }
        String tag = name.replaceAll("[^A-Za-z0-9-]", "-");
        tag = tag.substring(0, Math.min(40, tag.length()));
        return tag.isEmpty() ? "localhost" : tag;
    }

    private static boolean isAlive(long pid) {
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static void move(Path from, Path to, StandardCopyOption... options) throws IOException {
        StandardCopyOption[] atomic = Arrays.copyOf(options, options.length + 1);
        atomic[options.length] = StandardCopyOption.ATOMIC_MOVE;
        try {
            Files.move(from, to, atomic);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, options);
        }
    }

    /** Forces every file below {@code root}, then every folder, to the disk. */
    private static void forceTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) {
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                forceFolder(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Forces a folder's entries (a rename into it) to the disk. Some platforms (Windows) cannot
     * open a folder for that; there the rename's own durability is all there is.
     */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not supported for folders on this platform (or the folder is gone): nothing to force
        }
    }
}
