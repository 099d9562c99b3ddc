package tangent.nn.io;

import java.io.EOFException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reader and writer for the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * checkpoint format, on plain Java arrays and the JDK only.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length {@code N}; {@code N} bytes of UTF-8
 * JSON, {@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}; then the data section, raw little-endian tensor bytes in
 * C (row-major) order. Offsets are relative to the start of the data section.
 *
 * <p>{@link #write} emits {@code __metadata__} first (omitted when empty), then the tensors sorted
 * by name ({@link String#compareTo}), packed contiguously from offset 0, with compact JSON padded
 * with spaces to a multiple of 8 bytes, as the reference implementation does. The output is a
 * deterministic function of the arguments. The file is replaced atomically via {@link
 * AtomicFiles}.
 *
 * <p>Errors: a file that is not a valid safetensors file makes {@link #read} throw a {@link
 * FormatException} (an {@link IOException}, since bad bytes on disk are an input problem the caller
 * handles like any other failed read), whose message names the file and the first problem found.
 * Invalid arguments from the caller (a bad shape, a reserved name) throw {@link
 * IllegalArgumentException}.
 */
public final class SafeTensors {

    /** Name of the reserved header key holding string-to-string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** Largest header accepted by {@link #read}, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private SafeTensors() {}

    /**
     * Element types of the format, with their sizes in bytes: a superset of the engine's tensor
     * {@link tangent.core.DType} (see {@link #of}), as a checkpoint also stores integer counters.
     */
    public enum ElementType {
        /** Boolean, one byte per element. */
        BOOL(1),
        /** Unsigned 8-bit integer. */
        U8(1),
        /** Signed 8-bit integer. */
        I8(1),
        /** Signed 16-bit integer. */
        I16(2),
        /** Unsigned 16-bit integer. */
        U16(2),
        /** IEEE 754 half precision (raw bytes only). */
        F16(2),
        /** bfloat16 (raw bytes only). */
        BF16(2),
        /** Signed 32-bit integer. */
        I32(4),
        /** Unsigned 32-bit integer. */
        U32(4),
        /** IEEE 754 single precision. */
        F32(4),
        /** Signed 64-bit integer. */
        I64(8),
        /** Unsigned 64-bit integer. */
        U64(8),
        /** IEEE 754 double precision. */
        F64(8);

        private final int size;

        ElementType(int size) {
            this.size = size;
        }

        /**
         * Returns the size of one element in bytes.
         *
         * @return bytes per element
         */
        public int size() {
            return size;
        }

        /**
         * The storage type of a tensor of the engine's {@link tangent.core.DType} (the float types;
         * the format's integer and boolean types have no tensor counterpart).
         *
         * @param d a tensor dtype
         * @return F32 or F64
         */
        public static ElementType of(tangent.core.DType d) {
            return switch (d) {
                case F32 -> F32;
                case F64 -> F64;
            };
        }

        /** Returns the constant with this exact (case-sensitive) name, or null. */
        static ElementType lookup(String name) {
            for (ElementType d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * One tensor: element type, shape and raw little-endian C-order bytes. An empty shape {@code []}
     * is a scalar (one element); a shape containing 0 is an empty tensor (no bytes).
     *
     * <p>The shape is copied; the data array is <em>not</em> copied (checkpoints are large), so do
     * not modify it while the entry is in use. Equality compares dtype, shape and bytes.
     *
     * @param dtype element type
     * @param shape dimensions, each {@code >= 0}
     * @param data exactly {@code numel(shape) * dtype.size()} bytes
     */
    public record Entry(ElementType dtype, long[] shape, byte[] data) {

        /**
         * Validates that {@code data} has exactly the number of bytes the shape and dtype need.
         *
         * @throws IllegalArgumentException on a negative dimension or a size mismatch
         */
        public Entry {
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(data, "data");
            shape = shape.clone();
            long bytes = Math.multiplyExact(SafeTensors.numel(shape), (long) dtype.size());
            if (bytes != data.length) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes + " bytes but "
                                + data.length + " were given");
            }
        }

        /**
         * Creates an F32 entry.
         *
         * @param values elements in C order
         * @param shape dimensions; none for a scalar
         * @return the entry
         */
        public static Entry f32(float[] values, long... shape) {
            checkCount(values.length, shape);
            ByteBuffer b = le(values.length * 4L);
            b.asFloatBuffer().put(values);
            return new Entry(ElementType.F32, shape, b.array());
        }

        /**
         * Creates an F64 entry.
         *
         * @param values elements in C order
         * @param shape dimensions; none for a scalar
         * @return the entry
         */
        public static Entry f64(double[] values, long... shape) {
            checkCount(values.length, shape);
            ByteBuffer b = le(values.length * 8L);
            b.asDoubleBuffer().put(values);
            return new Entry(ElementType.F64, shape, b.array());
        }

        /**
         * Creates an I64 entry.
         *
         * @param values elements in C order
         * @param shape dimensions; none for a scalar
         * @return the entry
         */
        public static Entry i64(long[] values, long... shape) {
            checkCount(values.length, shape);
            ByteBuffer b = le(values.length * 8L);
            b.asLongBuffer().put(values);
            return new Entry(ElementType.I64, shape, b.array());
        }

        /**
         * Creates an I32 entry.
         *
         * @param values elements in C order
         * @param shape dimensions; none for a scalar
         * @return the entry
         */
        public static Entry i32(int[] values, long... shape) {
            checkCount(values.length, shape);
            ByteBuffer b = le(values.length * 4L);
            b.asIntBuffer().put(values);
            return new Entry(ElementType.I32, shape, b.array());
        }

        /**
         * Creates a U8 entry; the array is copied.
         *
         * @param values elements in C order (Java bytes, read as unsigned)
         * @param shape dimensions; none for a scalar
         * @return the entry
         */
        public static Entry u8(byte[] values, long... shape) {
            checkCount(values.length, shape);
            return new Entry(ElementType.U8, shape, values.clone());
        }

        /**
         * Returns the number of elements (1 for a scalar).
         *
         * @return the product of the shape
         */
        public long numel() {
            return SafeTensors.numel(shape);
        }

        /**
         * Returns a copy of the shape.
         *
         * @return dimensions
         */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /**
         * Decodes F32 data.
         *
         * @return a new array of the elements
         * @throws IllegalStateException if the dtype is not F32
         */
        public float[] asFloats() {
            require(ElementType.F32);
            float[] out = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /**
         * Decodes F64 data.
         *
         * @return a new array of the elements
         * @throws IllegalStateException if the dtype is not F64
         */
        public double[] asDoubles() {
            require(ElementType.F64);
            double[] out = new double[data.length / 8];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
            return out;
        }

        /**
         * Decodes I64 data.
         *
         * @return a new array of the elements
         * @throws IllegalStateException if the dtype is not I64
         */
        public long[] asLongs() {
            require(ElementType.I64);
            long[] out = new long[data.length / 8];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            return out;
        }

        /**
         * Decodes I32 data.
         *
         * @return a new array of the elements
         * @throws IllegalStateException if the dtype is not I32
         */
        public int[] asInts() {
            require(ElementType.I32);
            int[] out = new int[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
            return out;
        }

        /**
         * Returns a copy of U8 data.
         *
         * @return the elements (read each as {@code b & 0xFF})
         * @throws IllegalStateException if the dtype is not U8
         */
        public byte[] asUnsignedBytes() {
            require(ElementType.U8);
            return data.clone();
        }

        private void require(ElementType wanted) {
            if (dtype != wanted) {
                throw new IllegalStateException("tensor is " + dtype + ", not " + wanted);
            }
        }

        /** Compares dtype, shape and data contents. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e
                    && dtype == e.dtype
                    && Arrays.equals(shape, e.shape)
                    && Arrays.equals(data, e.data);
        }

        /** Hash of dtype, shape and data contents. */
        @Override
        public int hashCode() {
            return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
        }

        /** Short description: dtype, shape and byte count (not the data). */
        @Override
        public String toString() {
            return "Entry[" + dtype + " " + Arrays.toString(shape) + ", " + data.length + " bytes]";
        }

        private static void checkCount(int count, long[] shape) {
            long n = SafeTensors.numel(shape);
            if (n != count) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " has " + n + " elements but " + count
                                + " values were given");
            }
        }

        private static ByteBuffer le(long bytes) {
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor of " + bytes + " bytes exceeds a Java array");
            }
            return ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * The content of a safetensors file.
     *
     * @param file the file it was read from
     * @param tensors tensors in header order (unmodifiable)
     * @param metadata the {@code __metadata__} map in header order, empty if absent (unmodifiable)
     */
    public record Loaded(Path file, Map<String, Entry> tensors, Map<String, String> metadata) {

        /**
         * Returns the named tensor.
         *
         * @param name tensor name
         * @return the entry
         * @throws IllegalArgumentException naming the file and the available tensors if absent
         */
        public Entry tensor(String name) {
            Entry e = tensors.get(name);
            if (e == null) {
                throw new IllegalArgumentException(
                        "checkpoint " + file + ": no tensor '" + name + "' (it has " + tensors.size()
                                + " tensors: " + String.join(", ", tensors.keySet()) + ")");
            }
            return e;
        }
    }

    /**
     * A file that is not a valid safetensors file. The message reads {@code checkpoint <file>:
     * <first problem>}.
     */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;
        private final String problem;

        /**
         * Creates the exception.
         *
         * @param file the offending file
         * @param problem what is wrong with it
         */
        public FormatException(Path file, String problem) {
            super("checkpoint " + file + ": " + problem);
            this.file = file;
            this.problem = problem;
        }

        /**
         * Returns the offending file.
         *
         * @return the path as given to {@link #read}
         */
        public Path file() {
            return file;
        }

        /**
         * Returns the problem description without the file prefix.
         *
         * @return the problem
         */
        public String problem() {
            return problem;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes tensors and metadata to {@code file}, atomically replacing any existing file.
     *
     * @param file target path; its directory must exist
     * @param tensors tensors by name; any map (output is sorted by name)
     * @param metadata string metadata, or null/empty for none (output is sorted by key)
     * @throws IllegalArgumentException if a name is null or {@value #METADATA_KEY}, or a value null
     * @throws IOException if writing fails; the previous file (if any) is then intact
     */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata)
            throws IOException {
        TreeMap<String, Entry> sorted = new TreeMap<>();
        for (Map.Entry<String, Entry> t : tensors.entrySet()) {
            if (t.getKey() == null || t.getValue() == null) {
                throw new IllegalArgumentException("null tensor name or entry");
            }
            if (t.getKey().equals(METADATA_KEY)) {
                throw new IllegalArgumentException(
                        "'" + METADATA_KEY + "' is reserved and cannot be a tensor name");
            }
            sorted.put(t.getKey(), t.getValue());
        }
        byte[] header = headerBytes(sorted, metadata);
        AtomicFiles.writeChannel(
                file,
                ch -> {
                    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    len.putLong(0, header.length);
                    AtomicFiles.writeFully(ch, len);
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
                    for (Entry e : sorted.values()) {
                        AtomicFiles.writeFully(ch, ByteBuffer.wrap(e.data()));
                    }
                });
    }

    /** Builds the padded header for tensors already sorted by name. */
    private static byte[] headerBytes(Map<String, Entry> sorted, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            TreeMap<String, String> meta = new TreeMap<>();
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("null metadata key or value");
                }
                meta.put(m.getKey(), m.getValue());
            }
            Json.writeString(sb, METADATA_KEY);
            sb.append(":{");
            boolean firstMeta = true;
            for (Map.Entry<String, String> m : meta.entrySet()) {
                if (!firstMeta) {
                    sb.append(',');
                }
                firstMeta = false;
                Json.writeString(sb, m.getKey());
                sb.append(':');
                Json.writeString(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Map.Entry<String, Entry> t : sorted.entrySet()) {
            Entry e = t.getValue();
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.writeString(sb, t.getKey());
            sb.append(":{\"dtype\":");
            Json.writeString(sb, e.dtype().name());
            sb.append(",\"shape\":[");
            long[] shape = e.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(shape[i]);
            }
            long end = offset + e.data().length;
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /** A parsed and individually validated header entry. */
    private record Spec(String name, ElementType dtype, long[] shape, long begin, long end) {
        String offsets() {
            return "[" + begin + ", " + end + "]";
        }
    }

    /**
     * Reads and fully validates a safetensors file.
     *
     * <p>Checks, in this order, reporting the first failure: file at least 8 bytes; header length
     * within the file and at most {@link #MAX_HEADER_BYTES}; header is UTF-8, strict JSON, an object
     * without duplicate names; each entry (in header order) has exactly {@code dtype}, {@code shape},
     * {@code data_offsets}, a known dtype, non-negative integer dims and offsets with begin &lt;= end,
     * and {@code end - begin == numel(shape) * dtype size}; {@code __metadata__} maps strings to
     * strings; in offset order the tensors start at 0, neither overlap nor leave holes, lie within
     * the data section, and end exactly where the file ends.
     *
     * @param file the file to read
     * @return tensors in header order and metadata
     * @throws FormatException if the file is not a valid safetensors file
     * @throws IOException if the file cannot be read
     */
    public static Loaded read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new FormatException(
                        file,
                        "file is " + size
                                + " bytes, shorter than the 8-byte header length prefix (empty or truncated?)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0); // unsigned; negative means >= 2^63
            if (n < 0 || n > size - 8) {
                throw new FormatException(
                        file,
                        "header length " + Long.toUnsignedString(n) + " goes beyond the end of the file ("
                                + size + " bytes, so at most " + (size - 8)
                                + " header bytes after the 8-byte prefix; file truncated?)");
            }
            if (n > MAX_HEADER_BYTES) {
                throw new FormatException(
                        file, "header length " + n + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headerBuf, 8, file);
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Spec> specs = parseHeader(file, headerBuf.array(), metadata);
            long dataStart = 8 + n;
            checkLayout(file, specs, size - dataStart);

            Map<String, Entry> tensors = new LinkedHashMap<>();
            for (Spec s : specs) {
                long len = s.end - s.begin;
                if (len > Integer.MAX_VALUE - 8) {
                    throw new FormatException(
                            file,
                            "tensor '" + s.name + "' is " + len + " bytes, more than a Java array can hold");
                }
                ByteBuffer data = ByteBuffer.allocate((int) len);
                readFully(ch, data, dataStart + s.begin, file);
                tensors.put(s.name, new Entry(s.dtype, s.shape, data.array()));
            }
            return new Loaded(
                    file,
                    Collections.unmodifiableMap(tensors),
                    Collections.unmodifiableMap(metadata));
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos, Path file)
            throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new EOFException(
                        "checkpoint " + file + ": unexpected end of file at byte " + pos
                                + " (file changed while reading?)");
            }
            pos += r;
        }
    }

    /** Parses the header JSON into specs (header order) and fills {@code metadata}. */
    private static List<Spec> parseHeader(Path file, byte[] bytes, Map<String, String> metadata)
            throws FormatException {
        String text = decodeUtf8(file, bytes);
        Object root;
        try {
            root = new Json(text).parseDocument();
        } catch (Json.ParseException e) {
            int byteOff = text.substring(0, e.pos).getBytes(StandardCharsets.UTF_8).length;
            if (e.duplicateKey != null && e.depth == 1) {
                throw new FormatException(
                        file,
                        "duplicate tensor name '" + e.duplicateKey + "' in header at byte " + byteOff
                                + " (file offset " + (8 + byteOff) + ")");
            }
            throw new FormatException(
                    file,
                    "header is not valid JSON: " + e.getMessage() + " at header byte " + byteOff
                            + " (file offset " + (8 + byteOff) + ")" + near(text, e.pos));
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw new FormatException(file, "header is a JSON " + Json.kind(root) + ", not an object");
        }
        List<Spec> specs = new ArrayList<>();
        for (Map.Entry<?, ?> kv : top.entrySet()) {
            String name = (String) kv.getKey();
            Object value = kv.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!(value instanceof Map<?, ?> meta)) {
                    throw new FormatException(
                            file, "'" + METADATA_KEY + "' is a JSON " + Json.kind(value) + ", not an object");
                }
                for (Map.Entry<?, ?> m : meta.entrySet()) {
                    if (!(m.getValue() instanceof String s)) {
                        throw new FormatException(
                                file,
                                "'" + METADATA_KEY + "' value for key '" + m.getKey() + "' is a JSON "
                                        + Json.kind(m.getValue()) + ", not a string");
                    }
                    metadata.put((String) m.getKey(), s);
                }
                continue;
            }
            specs.add(parseSpec(file, name, value));
        }
        return specs;
    }

    private static Spec parseSpec(Path file, String name, Object value) throws FormatException {
        String t = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> obj)) {
            throw new FormatException(file, t + " is a JSON " + Json.kind(value) + ", not an object");
        }
        for (Object k : obj.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new FormatException(
                        file, t + " has unexpected key '" + k + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        for (String k : new String[] {"dtype", "shape", "data_offsets"}) {
            if (!obj.containsKey(k)) {
                throw new FormatException(file, t + " is missing '" + k + "'");
            }
        }
        if (!(obj.get("dtype") instanceof String dtypeName)) {
            throw new FormatException(
                    file, t + " has a dtype that is a JSON " + Json.kind(obj.get("dtype")) + ", not a string");
        }
        ElementType dtype = ElementType.lookup(dtypeName);
        if (dtype == null) {
            throw new FormatException(
                    file,
                    t + " has unknown dtype '" + dtypeName + "' (known: "
                            + Arrays.toString(ElementType.values()).replaceAll("[\\[\\]]", "") + ")");
        }
        long[] shape = longArray(file, t, "shape", obj.get("shape"), -1);
        long[] offsets = longArray(file, t, "data_offsets", obj.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new FormatException(
                    file, t + " has data_offsets [" + begin + ", " + end + "] whose begin is after its end");
        }
        long needed;
        try {
            needed = Math.multiplyExact(numel(shape), (long) dtype.size());
        } catch (ArithmeticException e) {
            throw new FormatException(
                    file, t + " has shape " + Arrays.toString(shape) + " whose size overflows 64 bits");
        }
        if (end - begin != needed) {
            throw new FormatException(
                    file,
                    t + " has data_offsets [" + begin + ", " + end + "] but shape " + Arrays.toString(shape)
                            + " of " + dtype + " needs " + needed + " bytes");
        }
        return new Spec(name, dtype, shape, begin, end);
    }

    /** Converts a JSON array of non-negative integers ({@code length} of them unless -1). */
    private static long[] longArray(Path file, String t, String key, Object v, int length)
            throws FormatException {
        if (!(v instanceof List<?> list)) {
            throw new FormatException(
                    file, t + " has a " + key + " that is a JSON " + Json.kind(v) + ", not an array");
        }
        if (length >= 0 && list.size() != length) {
            throw new FormatException(
                    file, t + " has " + key + " with " + list.size() + " elements, expected " + length);
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object x = list.get(i);
            if (!(x instanceof BigInteger bi)) {
                throw new FormatException(
                        file,
                        t + " has " + key + " element " + i + " that is a JSON " + Json.kind(x)
                                + (x instanceof BigDecimal ? " (" + x + ")" : "")
                                + ", not an integer");
            }
            if (bi.signum() < 0 || bi.bitLength() > 63) {
                throw new FormatException(
                        file,
                        t + " has " + key + " element " + i + " = " + bi
                                + ", outside 0.." + Long.MAX_VALUE);
            }
            out[i] = bi.longValue();
        }
        return out;
    }

    /** Checks that the tensors tile the data section exactly, in offset order. */
    private static void checkLayout(Path file, List<Spec> specs, long dataSize)
            throws FormatException {
        List<Spec> byOffset = new ArrayList<>(specs);
        byOffset.sort(Comparator.comparingLong(Spec::begin).thenComparingLong(Spec::end));
        long expected = 0;
        Spec prev = null;
        for (Spec s : byOffset) {
            String t = "tensor '" + s.name + "' has data_offsets " + s.offsets();
            if (s.begin < expected) {
                throw new FormatException(
                        file, t + " which overlap tensor '" + prev.name + "' " + prev.offsets());
            }
            if (s.begin > expected) {
                throw new FormatException(
                        file,
                        t + " leaving a hole of " + (s.begin - expected) + " bytes "
                                + (prev == null
                                        ? "at the start of the data section"
                                        : "after tensor '" + prev.name + "' " + prev.offsets()));
            }
            if (s.end > dataSize) {
                throw new FormatException(
                        file,
                        t + " beyond the end of the data section, which has only " + dataSize
                                + " bytes (file truncated?)");
            }
            expected = s.end;
            prev = s;
        }
        if (expected != dataSize) {
            throw new FormatException(
                    file,
                    "data section is " + dataSize + " bytes but the tensors end at byte " + expected + " ("
                            + (dataSize - expected) + " unexpected trailing bytes)");
        }
    }

    private static String decodeUtf8(Path file, byte[] bytes) throws FormatException {
        CharsetDecoder dec =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        if (r.isError()) {
            throw new FormatException(
                    file,
                    "header is not valid UTF-8 at header byte " + in.position() + " (file offset "
                            + (8 + in.position()) + ")");
        }
        out.flip();
        return out.toString();
    }

    private static String near(String text, int pos) {
        int from = Math.max(0, pos - 12);
        int to = Math.min(text.length(), pos + 12);
        StringBuilder sb = new StringBuilder();
        Json.writeString(sb, text.substring(from, to));
        return ", near " + sb;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
