package dev.peft4j.api.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Replaces files so that a reader, or a process killed mid-write, sees either the old content or
 * the new one, never a truncated file: exports, checkpoints and run results all depend on it.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /**
     * Writes {@code content} to a fresh file beside {@code target}, then renames it over
     * {@code target} (atomically where the file system can). Creates missing parent folders.
     *
     * @throws IOException if writing or renaming fails; the temporary file is removed
     */
    public static void write(Path target, byte[] content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        // not createTempFile: its owner-only permissions would survive the rename
        Path temp = absolute.resolveSibling(absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            Files.write(temp, content, StandardOpenOption.CREATE_NEW);
            try {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
