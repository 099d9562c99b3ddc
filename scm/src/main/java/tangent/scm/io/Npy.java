package tangent.scm.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reader and float32 writer for NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0).
 *
 * <p>Readable dtypes: {@code <f4}, {@code <f8}, {@code |u1} (also {@code u1}, {@code <u1}),
 * {@code |i1}, {@code <i2}, {@code <u2}, {@code <i4}, {@code <i8}, {@code |b1}. All data is returned
 * as {@code float[]} with values unchanged (uint8 stays 0..255; the caller decides scaling). Any
 * C-order shape is accepted; Fortran-order and big-endian files are rejected with a clear error.
 */
public final class Npy {
    private Npy() {}

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /**
     * A decoded array.
     *
     * @param shape dimensions (empty for a 0-d scalar)
     * @param data elements in C (row-major) order, converted to float
     * @param dtype the dtype descriptor found in the file, e.g. {@code "<f4"}
     */
    public record NpyArray(int[] shape, float[] data, String dtype) {
        /** Number of elements (product of shape). */
        public int size() {
            return data.length;
        }

        @Override
        public String toString() {
            return "NpyArray(" + dtype + ", " + Arrays.toString(shape) + ")";
        }
    }

    /** Reads a {@code .npy} file; errors name the file. */
    public static NpyArray read(Path file) throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("npy file " + file + ": not found", e);
        }
        return parse(raw, file.toString());
    }

    /** Parses {@code .npy} bytes; {@code name} is used in error messages. */
    public static NpyArray parse(byte[] raw, String name) throws IOException {
        String where = "npy file " + name + ": ";
        if (raw.length < 10 || !Arrays.equals(Arrays.copyOf(raw, 6), MAGIC)) {
            throw new IOException(where + "bad magic (not a .npy file; expected \\x93NUMPY)");
        }
        int major = raw[6] & 0xff, minor = raw[7] & 0xff;
        int headerLen, headerStart;
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (raw.length < 12) throw new IOException(where + "truncated header");
            long hl = bb.getInt(8) & 0xffffffffL;
            if (hl > raw.length) throw new IOException(where + "truncated header: header length " + hl
                + " but file has " + raw.length + " bytes");
            headerLen = (int) hl;
            headerStart = 12;
        } else {
            throw new IOException(where + "unsupported format version " + major + "." + minor
                + " (supported: 1.0, 2.0, 3.0)");
        }
        if (headerStart + headerLen > raw.length) {
            throw new IOException(where + "truncated header: expected " + (headerStart + headerLen)
                + " bytes got " + raw.length);
        }
        String header = new String(raw, headerStart, headerLen,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = field(header, "descr", "'([^']*)'|\"([^\"]*)\"", where);
        String fortran = field(header, "fortran_order", "(True|False)", where);
        String shapeStr = field(header, "shape", "\\(([^)]*)\\)", where);
        if (fortran.equals("True")) {
            throw new IOException(where + "Fortran-order (column-major) arrays are not supported; "
                + "save with np.ascontiguousarray(a) or fortran_order=False");
        }
        int[] shape = parseShape(shapeStr, where);
        long count = 1;
        for (int d : shape) count *= d;
        if (count > Integer.MAX_VALUE - 64) throw new IOException(where + "too many elements: " + count);
        int n = (int) count;

        String kind = descr;
        if (kind.length() == 3 && (kind.charAt(0) == '|' || kind.charAt(0) == '<' || kind.charAt(0) == '=')) {
            if (kind.charAt(0) == '=' && ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
                throw new IOException(where + "native-order dtype on a big-endian machine is not supported");
            }
            kind = kind.substring(1);
        } else if (kind.startsWith(">")) {
            String k = kind.substring(1);
            if (!k.equals("u1") && !k.equals("i1") && !k.equals("b1")) {
                throw new IOException(where + "big-endian dtype '" + descr + "' is not supported; "
                    + "convert with a.astype('<" + k + "')");
            }
            kind = k;
        }
        int itemSize;
        switch (kind) {
            case "f4": case "i4": itemSize = 4; break;
            case "f8": case "i8": itemSize = 8; break;
            case "u1": case "i1": case "b1": itemSize = 1; break;
            case "i2": case "u2": itemSize = 2; break;
            default:
                throw new IOException(where + "unsupported dtype '" + descr
                    + "' (supported: <f4, <f8, |u1, |i1, |b1, <i2, <u2, <i4, <i8)");
        }
        int dataStart = headerStart + headerLen;
        long expected = dataStart + (long) n * itemSize;
        if (raw.length < expected) {
            throw new IOException(where + "truncated: expected " + expected + " bytes got " + raw.length
                + " (dtype " + descr + ", shape " + Arrays.toString(shape) + ")");
        }
        if (raw.length > expected) {
            throw new IOException(where + "trailing data: expected " + expected + " bytes got " + raw.length
                + " (dtype " + descr + ", shape " + Arrays.toString(shape) + ")");
        }
        float[] out = new float[n];
        bb.position(dataStart);
        switch (kind) {
            case "f4": bb.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out); break;
            case "f8": for (int i = 0; i < n; i++) out[i] = (float) bb.getDouble(dataStart + 8 * i); break;
            case "i4": for (int i = 0; i < n; i++) out[i] = bb.getInt(dataStart + 4 * i); break;
            case "i8": for (int i = 0; i < n; i++) out[i] = bb.getLong(dataStart + 8 * i); break;
            case "i2": for (int i = 0; i < n; i++) out[i] = bb.getShort(dataStart + 2 * i); break;
            case "u2": for (int i = 0; i < n; i++) out[i] = bb.getShort(dataStart + 2 * i) & 0xffff; break;
            case "u1": for (int i = 0; i < n; i++) out[i] = raw[dataStart + i] & 0xff; break;
            case "i1": for (int i = 0; i < n; i++) out[i] = raw[dataStart + i]; break;
            case "b1": for (int i = 0; i < n; i++) out[i] = raw[dataStart + i] != 0 ? 1f : 0f; break;
            default: throw new AssertionError(kind);
        }
        return new NpyArray(shape, out, descr);
    }

    /**
     * Writes {@code data} as a little-endian float32 ({@code <f4}) C-order {@code .npy} (version
     * 1.0) with the given shape, atomically (temporary file in the same directory, then move).
     */
    public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
        long count = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            count *= d;
        }
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count
                + " elements, data has " + data.length);
        }
        byte[] bytes = encodeFloat32(data, shape);
        writeAtomically(file, bytes);
    }

    /** Encodes a float32 array as {@code .npy} bytes (version 1.0, header padded to 64 bytes). */
    public static byte[] encodeFloat32(float[] data, int... shape) {
        byte[] head = headerFloat32(shape);
        ByteBuffer bb = ByteBuffer.allocate(head.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(head);
        bb.asFloatBuffer().put(data);
        return bb.array();
    }

    /**
     * The bytes before the data of a float32 C-order {@code .npy} of the given shape: magic,
     * version 1.0, header length and the header dict padded to a multiple of 64 bytes. Followed by
     * the elements as little-endian float32, a file can be written in chunks.
     */
    public static byte[] headerFloat32(int... shape) {
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sh.append(", ");
            sh.append(shape[i]);
        }
        if (shape.length == 1) sh.append(',');
        sh.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + sh + ", }";
        int base = 10 + dict.length() + 1; // + trailing newline
        int pad = (64 - base % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        if (header.length() > 65535) throw new IllegalArgumentException("shape too long for npy v1.0 header");
        byte[] hb = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer bb = ByteBuffer.allocate(10 + hb.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) hb.length).put(hb);
        return bb.array();
    }

    /** Whether the file starts with the {@code .npy} magic bytes. */
    public static boolean hasMagic(Path file) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        }
    }

    static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        tangent.nn.io.AtomicFiles.writeBytes(file, bytes);
    }

    private static String field(String header, String key, String valueRegex, String where) throws IOException {
        Matcher m = Pattern.compile("['\"]" + key + "['\"]\\s*:\\s*(?:" + valueRegex + ")").matcher(header);
        if (!m.find()) {
            throw new IOException(where + "malformed header, no '" + key + "' entry: " + header.trim());
        }
        for (int g = 1; g <= m.groupCount(); g++) if (m.group(g) != null) return m.group(g);
        return "";
    }

    private static int[] parseShape(String s, String where) throws IOException {
        String t = s.trim();
        if (t.isEmpty()) return new int[0];
        String[] parts = t.split(",");
        int cnt = 0;
        int[] dims = new int[parts.length];
        for (String p : parts) {
            String q = p.trim();
            if (q.isEmpty()) continue;
            if (q.endsWith("L")) q = q.substring(0, q.length() - 1);
            try {
                long v = Long.parseLong(q);
                if (v < 0 || v > Integer.MAX_VALUE) throw new NumberFormatException();
                dims[cnt++] = (int) v;
            } catch (NumberFormatException e) {
                throw new IOException(where + "bad shape entry '" + p.trim() + "' in (" + s + ")");
            }
        }
        return Arrays.copyOf(dims, cnt);
    }
}
