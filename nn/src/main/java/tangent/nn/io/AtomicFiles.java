package tangent.nn.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Crash-safe file replacement: content is written to a temporary file in the target's directory,
 * flushed to disk with {@link FileChannel#force(boolean) force(true)}, and then renamed over the
 * target with {@link StandardCopyOption#ATOMIC_MOVE}. Readers of the target path therefore see
 * either the complete old file or the complete new file, never a partial one. If the body throws,
 * the temporary file is deleted and the target is left untouched.
 *
 * <p>Temporary files are named {@code .<target name>.tmp-<random hex>} so that they are hidden
 * from casual listings and easy to recognise (and clean up) should the JVM be killed mid-write.
 */
public final class AtomicFiles {

  /** Marker contained in the name of every temporary file this class creates. */
  public static final String TEMP_MARKER = ".tmp-";

  private AtomicFiles() {}

  /**
   * An I/O action on a value, allowed to throw {@link IOException}.
   *
   * @param <T> the type of the value consumed
   */
  @FunctionalInterface
  public interface IOConsumer<T> {
    /**
     * Performs the action.
     *
     * @param value the value (a stream or channel owned by the caller; do not keep it)
     * @throws IOException if writing fails
     */
    void accept(T value) throws IOException;
  }

  /**
   * Atomically replaces {@code target} with whatever {@code body} writes to the given channel.
   * The channel is positioned at 0 of an empty file; the body must not close it.
   *
   * @param target the file to create or replace; its parent directory must exist
   * @param body writes the complete new content
   * @throws IOException if the body or any file operation fails; the target is then unchanged
   */
  public static void writeChannel(Path target, IOConsumer<? super FileChannel> body)
      throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir == null) {
      throw new IOException("cannot write " + target + " atomically: it has no parent directory");
    }
    Path tmp = createTemp(dir, abs.getFileName().toString());
    boolean moved = false;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        body.accept(ch);
        ch.force(true);
      }
      Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
      syncDirectory(dir);
    } catch (IOException | RuntimeException | Error e) {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (e instanceof IOException io && !(e instanceof java.nio.file.FileSystemException)
          && (io.getMessage() == null || !io.getMessage().contains(abs.getFileName().toString()))) {
        throw new IOException("writing " + target + ": " + io.getMessage() + " (the previous file, if any, is unchanged)", io);
      }
      throw e;
    }
  }

  /**
   * Atomically replaces {@code target} with whatever {@code body} writes to the given buffered
   * stream. Closing the stream inside the body only flushes it.
   *
   * @param target the file to create or replace; its parent directory must exist
   * @param body writes the complete new content
   * @throws IOException if the body or any file operation fails; the target is then unchanged
   */
  public static void write(Path target, IOConsumer<? super OutputStream> body) throws IOException {
    writeChannel(
        target,
        ch -> {
          OutputStream out =
              new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16) {
                @Override
                public void close() throws IOException {
                  flush(); // the channel belongs to writeChannel, which forces and closes it
                }
              };
          body.accept(out);
          out.flush();
        });
  }

  /**
   * Atomically replaces {@code target} with the given bytes.
   *
   * @param target the file to create or replace
   * @param content the complete new content
   * @throws IOException if writing fails; the target is then unchanged
   */
  public static void writeBytes(Path target, byte[] content) throws IOException {
    writeChannel(target, ch -> writeFully(ch, ByteBuffer.wrap(content)));
  }

  /**
   * Atomically replaces {@code target} with the given text encoded as UTF-8.
   *
   * @param target the file to create or replace
   * @param content the complete new content
   * @throws IOException if writing fails; the target is then unchanged
   */
  public static void writeString(Path target, String content) throws IOException {
    writeBytes(target, content.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes all remaining bytes of {@code buf} to {@code ch} (a single {@code write} call may write
   * fewer).
   *
   * @param ch the channel
   * @param buf the bytes to write, from its position to its limit
   * @throws IOException if writing fails
   */
  public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /**
   * Deletes the temporary files ({@code .<name>.tmp-<hex>}) in dir that writes killed before their
   * rename left behind. Only for a directory the caller owns exclusively (e.g. under a lock): a
   * concurrent writer's temporary file would go too.
   *
   * @param dir the directory to clean
   * @return how many files were deleted
   * @throws IOException if the directory cannot be listed or a file cannot be deleted
   */
  public static int deleteTemps(Path dir) throws IOException {
    int n = 0;
    try (var files = Files.newDirectoryStream(dir, "." + "*" + TEMP_MARKER + "*")) {
      for (Path p : files) {
        if (Files.isRegularFile(p) && Files.deleteIfExists(p)) {
          n++;
        }
      }
    }
    return n;
  }

  private static Path createTemp(Path dir, String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      String suffix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
      Path tmp = dir.resolve("." + name + TEMP_MARKER + suffix);
      try {
        // CREATE_NEW with default attributes: permissions follow the umask like any new file.
        Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return tmp;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 16) {
          throw e;
        }
      }
    }
  }

  /** Makes the rename durable on POSIX file systems; not supported (and not needed) elsewhere. */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // e.g. Windows cannot open directories; the rename itself is still atomic.
    }
  }
}
