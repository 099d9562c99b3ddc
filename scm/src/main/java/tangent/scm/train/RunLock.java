package tangent.scm.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One training per output directory: an exclusive OS file lock on {@code OUT/.lock}, held while
 * the trainer runs. The operating system releases it when the process ends, however it ends (kill
 * -9 included), so a lock file left behind by a dead process never blocks the next run; the pid
 * written into the file only serves the message.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks dir (which must exist) or throws naming the process that holds it. */
    public static RunLock acquire(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {   // held by this JVM
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            String holder = "";
            try {
                ByteBuffer b = ByteBuffer.allocate(64);
                ch.read(b, 0);
                holder = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
            } finally {
                ch.close();
            }
            throw new IOException("--out " + dir + " is in use by another training" + (holder.matches("[0-9]+") ? " (pid " + holder + ")" : "")
                    + ": wait for it to finish, or give another --out");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new RunLock(ch, l);
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock in any case
        }
    }
}
