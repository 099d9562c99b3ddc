package tangent.scm.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reader (and small writer, for tests and tooling) of IDX files as used by MNIST / Fashion-MNIST.
 *
 * <p>Only unsigned-byte payloads are supported: magic {@code 0x00000801} (1-D, labels) and
 * {@code 0x00000803} (3-D, images). In general the magic is {@code 0x0000 08 DD} where {@code DD}
 * is the dimension count; any dimension count 1..4 with type byte 0x08 is accepted by
 * {@link #read(Path)}, and {@link #read(Path, int)} additionally checks the expected count.
 * Gzip compression is detected from the first two bytes ({@code 1f 8b}), never from the name.
 */
public final class Idx {
    private Idx() {}

    /** Type code of unsigned byte payloads. */
    public static final int TYPE_UBYTE = 0x08;

    /**
     * A decoded IDX file.
     *
     * @param dims dimension sizes, outermost first (e.g. {@code [N, 28, 28]})
     * @param data payload bytes in row-major order (unsigned: use {@code b & 0xff})
     */
    public record IdxData(int[] dims, byte[] data) {
        /** Number of elements, the product of {@link #dims()}. */
        public long count() {
            long n = 1;
            for (int d : dims) n *= d;
            return n;
        }

        /** Element {@code i} as an unsigned value 0..255. */
        public int u8(int i) {
            return data[i] & 0xff;
        }

        @Override
        public String toString() {
            return "IdxData" + Arrays.toString(dims);
        }
    }

    /** Reads an unsigned-byte IDX file (plain or gzip) with any dimension count. */
    public static IdxData read(Path file) throws IOException {
        return read(file, -1);
    }

    /**
     * Reads an unsigned-byte IDX file (plain or gzip) and checks that it has {@code expectedDims}
     * dimensions (pass -1 to accept any).
     *
     * @throws IOException with a message naming the file for bad magic, wrong type, wrong
     *     dimension count, truncated data or trailing garbage
     */
    public static IdxData read(Path file, int expectedDims) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("IDX file " + file + ": not found (or not a regular file)");
        }
        byte[] raw = readMaybeGzip(file);
        return parse(raw, file.toString(), expectedDims);
    }

    /** Parses IDX bytes (already decompressed); {@code name} is used in error messages. */
    public static IdxData parse(byte[] raw, String name, int expectedDims) throws IOException {
        String where = "IDX file " + name + ": ";
        if (raw.length < 4) {
            throw new IOException(where + "truncated header: expected at least 4 bytes got " + raw.length);
        }
        int magic = readIntBE(raw, 0);
        if (raw[0] != 0 || raw[1] != 0) {
            throw new IOException(where + String.format(
                "bad magic 0x%08x (expected 0x00000801 for labels or 0x00000803 for images)", magic));
        }
        int type = raw[2] & 0xff;
        int nd = raw[3] & 0xff;
        if (type != TYPE_UBYTE) {
            throw new IOException(where + String.format(
                "unsupported data type 0x%02x in magic 0x%08x (only unsigned byte 0x08 is supported)", type, magic));
        }
        if (nd < 1 || nd > 4) {
            throw new IOException(where + String.format("bad magic 0x%08x: dimension count %d not in 1..4", magic, nd));
        }
        if (expectedDims >= 0 && nd != expectedDims) {
            throw new IOException(where + "wrong dimension count: expected " + expectedDims + " got " + nd
                + String.format(" (magic 0x%08x)", magic));
        }
        int header = 4 + 4 * nd;
        if (raw.length < header) {
            throw new IOException(where + "truncated header: expected " + header + " bytes got " + raw.length);
        }
        int[] dims = new int[nd];
        long count = 1;
        for (int i = 0; i < nd; i++) {
            dims[i] = readIntBE(raw, 4 + 4 * i);
            if (dims[i] < 0) throw new IOException(where + "negative dimension " + i + ": " + dims[i]);
            count *= dims[i];
        }
        long expected = header + count;
        if (count > Integer.MAX_VALUE - 64) {
            throw new IOException(where + "too large: " + count + " elements");
        }
        if (raw.length < expected) {
            throw new IOException(where + "truncated: expected " + expected + " bytes got " + raw.length
                + " (dims " + Arrays.toString(dims) + ")");
        }
        if (raw.length > expected) {
            throw new IOException(where + "trailing data: expected " + expected + " bytes got " + raw.length
                + " (dims " + Arrays.toString(dims) + ")");
        }
        return new IdxData(dims, Arrays.copyOfRange(raw, header, raw.length));
    }

    /**
     * Writes an unsigned-byte IDX file (plain, or gzip when {@code gzip} is true), atomically via a
     * temporary file in the same directory.
     */
    public static void write(Path file, int[] dims, byte[] data, boolean gzip) throws IOException {
        long count = 1;
        for (int d : dims) count *= d;
        if (count != data.length) {
            throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + count
                + " bytes, data has " + data.length);
        }
        if (dims.length < 1 || dims.length > 4) throw new IllegalArgumentException("1..4 dims supported");
        ByteArrayOutputStream bos = new ByteArrayOutputStream(data.length + 32);
        bos.write(0);
        bos.write(0);
        bos.write(TYPE_UBYTE);
        bos.write(dims.length);
        for (int d : dims) {
            bos.write(d >>> 24);
            bos.write(d >>> 16);
            bos.write(d >>> 8);
            bos.write(d);
        }
        bos.write(data);
        Path abs = file.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            try (OutputStream os = gzip ? new GZIPOutputStream(Files.newOutputStream(tmp)) : Files.newOutputStream(tmp)) {
                bos.writeTo(os);
            }
            try {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // non-POSIX file system: keep defaults
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads the whole file, transparently gunzipping when it starts with {@code 1f 8b}. */
    static byte[] readMaybeGzip(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                try (GZIPInputStream gz = new GZIPInputStream(in, 1 << 16)) {
                    return gz.readAllBytes();
                } catch (java.io.EOFException e) {
                    throw new IOException("IDX file " + file + ": gzip stream truncated (unexpected end of file)", e);
                } catch (java.util.zip.ZipException e) {
                    throw new IOException("IDX file " + file + ": corrupt gzip data: " + e.getMessage(), e);
                }
            }
            return in.readAllBytes();
        }
    }

    private static int readIntBE(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }
}
