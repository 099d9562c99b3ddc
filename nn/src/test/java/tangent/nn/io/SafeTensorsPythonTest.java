package tangent.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.nn.io.SafeTensors.Entry;
import tangent.nn.io.SafeTensors.Loaded;

/**
 * Cross-checks {@link SafeTensors} against Python readers and writers.
 *
 * <p>The interpreter is {@code $TANGENT_PYTHON} if set, else {@code python3}. {@link
 * #referenceLibraryAgrees} needs the Hugging Face {@code safetensors} module with numpy; Debian 12
 * has no package for it, so it is usually SKIPPED (with the reason) unless an interpreter that has
 * it is supplied. {@link #independentStdlibReaderAndWriterAgree} needs only python3 itself. Neither
 * test ever passes without actually running Python: a missing interpreter or module is reported
 * through a JUnit assumption, i.e. as skipped.
 */
class SafeTensorsPythonTest {

  @TempDir Path dir;

  private static final String PYTHON =
      System.getenv().getOrDefault("TANGENT_PYTHON", "python3");

  // ------------------------------------------------------------------------------- process glue

  private record Result(int exit, String out, String err) {}

  private Result python(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "py", ".out");
    Path err = Files.createTempFile(dir, "py", ".err");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    p.getOutputStream().close(); // no stdin
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(PYTHON + " did not finish in 120 s");
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Skips the test (never passes it) unless {@code imports} run in the interpreter. */
  private void requirePython(String imports, String hint) throws InterruptedException {
    Result r;
    try {
      r = python(imports.isEmpty() ? "pass" : imports);
    } catch (IOException e) {
      skipUnless(false, "no Python interpreter '" + PYTHON + "' (" + e.getMessage() + "); " + hint);
      return;
    }
    String[] lines = r.err().strip().split("\n");
    skipUnless(
        r.exit() == 0,
        "'" + PYTHON + " -c \"" + imports + "\"' failed: " + lines[lines.length - 1] + "; " + hint);
  }

  /** Like assumeTrue, but also prints the reason: Surefire's console summary omits it. */
  private static void skipUnless(boolean condition, String reason) {
    if (!condition) {
      System.out.println("SKIPPED (" + SafeTensorsPythonTest.class.getSimpleName() + "): " + reason);
    }
    assumeTrue(condition, reason);
  }

  private static void check(Result r) {
    assertEquals(0, r.exit(), "python failed:\n" + r.err() + "\nstdout:\n" + r.out());
  }

  // ------------------------------------------------------------------------------ expectations

  /** Tensors covering every dtype the Python side checks, a scalar and an empty tensor. */
  private static Map<String, Entry> tensors() {
    Map<String, Entry> m = new LinkedHashMap<>();
    float[] w = new float[24];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) Math.sin(i) * 3;
    }
    m.put("down.0.weight", Entry.f32(w, 2, 3, 4));
    m.put("bias", Entry.f64(new double[] {0.1, -2.5, 1e-300, 7}, 4));
    m.put("steps", Entry.i64(new long[] {-3, 0, 1L << 40, Long.MAX_VALUE / 3}, 2, 2));
    m.put("idx", Entry.i32(new int[] {-7, 0, 42}, 3));
    m.put("mask", Entry.u8(new byte[] {0, 1, (byte) 200}, 3)); // odd size: later ones unaligned
    m.put("scale", Entry.f32(new float[] {0.75f})); // shape []
    m.put("empty", Entry.f64(new double[0], 0, 5));
    return m;
  }

  /** One line per tensor, {@code T name dtype [shape] sha256(bytes) sum}, sorted by name. */
  private static List<String> describe(Map<String, Entry> tensors) {
    List<String> lines = new ArrayList<>();
    for (Map.Entry<String, Entry> t : new TreeMap<>(tensors).entrySet()) {
      Entry e = t.getValue();
      lines.add(
          "T " + t.getKey() + " " + e.dtype() + " " + Arrays.toString(e.shape()) + " "
              + sha256(e.data()) + " " + sum(e));
    }
    return lines;
  }

  /** Sum of the elements, formatted as Python's repr would (doubles summed left to right). */
  private static String sum(Entry e) {
    switch (e.dtype()) {
      case F32: {
        double s = 0;
        for (float f : e.asFloats()) {
          s += f;
        }
        return Double.toString(s);
      }
      case F64: {
        double s = 0;
        for (double d : e.asDoubles()) {
          s += d;
        }
        return Double.toString(s);
      }
      case I64: {
        java.math.BigInteger s = java.math.BigInteger.ZERO;
        for (long l : e.asLongs()) {
          s = s.add(java.math.BigInteger.valueOf(l));
        }
        return s.toString();
      }
      case I32: {
        long s = 0;
        for (int i : e.asInts()) {
          s += i;
        }
        return Long.toString(s);
      }
      case U8: {
        long s = 0;
        for (byte b : e.asUnsignedBytes()) {
          s += b & 0xff;
        }
        return Long.toString(s);
      }
      default:
        throw new AssertionError(e.dtype());
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Python output lines, "T" lines sorted; floats re-parsed so 1.0 and 1.0 compare equal. */
  private static List<String> normalize(String out) {
    List<String> t = new ArrayList<>();
    for (String line : out.strip().split("\n")) {
      if (line.startsWith("T ")) {
        String[] f = line.split(" ");
        String last = f[f.length - 1];
        if (last.contains(".") || last.contains("e") || last.contains("inf")) {
          f[f.length - 1] = Double.toString(Double.parseDouble(last.replace("inf", "Infinity")));
        }
        t.add(String.join(" ", f));
      }
    }
    t.sort(null);
    return t;
  }

  private static String metaLine(String out) {
    for (String line : out.split("\n")) {
      if (line.startsWith("META ")) {
        return line.substring(5);
      }
    }
    throw new AssertionError("no META line in:\n" + out);
  }

  // Shape is printed as Java's Arrays.toString does: "[2, 3]" (json.dumps of a list).
  private static final String PY_SUM =
      "def total(dt, raw, n):\n"
          + "    fmt = {'F32':'f','F64':'d','I64':'q','I32':'i','U8':'B'}[dt]\n"
          + "    vals = struct.unpack('<%d%s' % (n, fmt), raw)\n"
          + "    s = 0.0 if dt in ('F32','F64') else 0\n"
          + "    for v in vals: s += v\n"
          + "    return repr(s)\n";

  // ---------------------------------------------------------------------------------- the tests

  @Test
  void independentStdlibReaderAndWriterAgree() throws Exception {
    requirePython("import json, struct, hashlib", "install Debian package python3");
    Path file = dir.resolve("java.safetensors");
    Map<String, Entry> in = tensors();
    SafeTensors.write(file, in, Map.of("epoch", "3", "ünï", "\"q\""));

    String reader =
        "import sys, json, struct, hashlib\n"
            + PY_SUM
            + "b = open(sys.argv[1], 'rb').read()\n"
            + "n = struct.unpack('<Q', b[:8])[0]\n"
            + "assert n % 8 == 0, 'header not padded to 8: %d' % n\n"
            + "h = json.loads(b[8:8+n].decode('utf-8'))\n"
            + "meta = h.pop('__metadata__', {})\n"
            + "print('META', json.dumps(meta, sort_keys=True))\n"
            + "data = b[8+n:]\n"
            + "size = {'F32':4,'F64':8,'I64':8,'I32':4,'U8':1}\n"
            + "pos = 0\n"
            + "assert list(h) == sorted(h), 'not sorted by name: %s' % list(h)\n"
            + "for k, v in h.items():\n"
            + "    s, e = v['data_offsets']\n"
            + "    assert s == pos, (k, s, pos)\n"
            + "    pos = e\n"
            + "    numel = 1\n"
            + "    for d in v['shape']: numel *= d\n"
            + "    assert e - s == numel * size[v['dtype']], k\n"
            + "    raw = data[s:e]\n"
            + "    print('T', k, v['dtype'], json.dumps(v['shape']),"
            + " hashlib.sha256(raw).hexdigest(), total(v['dtype'], raw, numel))\n"
            + "assert pos == len(data), (pos, len(data))\n";
    Result r = python(reader, file.toString());
    check(r);
    assertEquals(describe(in), normalize(r.out()));
    assertEquals("{\"epoch\": \"3\", \"\\u00fcn\\u00ef\": \"\\\"q\\\"\"}", metaLine(r.out()));

    // The other direction: Python writes with default json.dumps spacing, no padding,
    // metadata last, and header order different from data order.
    Path py = dir.resolve("py.safetensors");
    String writer =
        "import sys, json, struct\n"
            + "w = struct.pack('<6f', *[0.5 * i - 1 for i in range(6)])\n"
            + "s = struct.pack('<3q', -1, 2, 1 << 50)\n"
            + "d = struct.pack('<d', 2.5)\n"
            + "h = {'w': {'dtype': 'F32', 'shape': [2, 3], 'data_offsets': [32, 56]},\n"
            + "     's': {'dtype': 'I64', 'shape': [3], 'data_offsets': [0, 24]},\n"
            + "     'd': {'dtype': 'F64', 'shape': [], 'data_offsets': [24, 32]},\n"
            + "     '__metadata__': {'by': 'python'}}\n"
            + "hb = json.dumps(h).encode('utf-8')\n"
            + "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(hb)) + hb + s + d + w)\n";
    check(python(writer, py.toString()));
    Loaded l = SafeTensors.read(py);
    assertEquals(List.of("w", "s", "d"), List.copyOf(l.tensors().keySet()));
    assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, l.tensor("w").asFloats());
    assertArrayEquals(new long[] {2, 3}, l.tensor("w").shape());
    assertArrayEquals(new long[] {-1, 2, 1L << 50}, l.tensor("s").asLongs());
    assertArrayEquals(new double[] {2.5}, l.tensor("d").asDoubles());
    assertEquals(0, l.tensor("d").shape().length);
    assertEquals(Map.of("by", "python"), l.metadata());
  }

  @Test
  void referenceLibraryAgrees() throws Exception {
    requirePython(
        "import numpy, safetensors.numpy",
        "Debian 12 has no python3-safetensors package (python3-numpy exists); set TANGENT_PYTHON"
            + " to an interpreter with the Hugging Face safetensors module to run this check");
    Path file = dir.resolve("java.safetensors");
    Map<String, Entry> in = tensors();
    SafeTensors.write(file, in, Map.of("epoch", "3"));
    Path py = dir.resolve("py.safetensors");

    String script =
        "import sys, json, struct, hashlib\n"
            + "import numpy as np\n"
            + "from safetensors import safe_open\n"
            + "from safetensors.numpy import save_file\n"
            + PY_SUM
            + "names = {'<f4':'F32','<f8':'F64','<i8':'I64','<i4':'I32','|u1':'U8'}\n"
            + "with safe_open(sys.argv[1], framework='np') as f:\n"
            + "    print('META', json.dumps(f.metadata(), sort_keys=True))\n"
            + "    for k in f.keys():\n"
            + "        a = f.get_tensor(k)\n"
            + "        raw = np.ascontiguousarray(a).tobytes()\n"
            + "        dt = names[a.dtype.str]\n"
            + "        print('T', k, dt, json.dumps(list(a.shape)),"
            + " hashlib.sha256(raw).hexdigest(), total(dt, raw, a.size))\n"
            + "save_file({'w': (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3),\n"
            + "           's': np.array([-1, 2, 1 << 50], dtype=np.int64),\n"
            + "           'd': np.array(2.5, dtype=np.float64)}, sys.argv[2],"
            + " metadata={'by': 'python'})\n";
    Result r = python(script, file.toString(), py.toString());
    check(r);
    assertEquals(describe(in), normalize(r.out()));
    assertEquals("{\"epoch\": \"3\"}", metaLine(r.out()));

    Loaded l = SafeTensors.read(py);
    assertEquals(3, l.tensors().size());
    assertArrayEquals(new float[] {-1f, -0.5f, 0f, 0.5f, 1f, 1.5f}, l.tensor("w").asFloats());
    assertArrayEquals(new long[] {2, 3}, l.tensor("w").shape());
    assertArrayEquals(new long[] {-1, 2, 1L << 50}, l.tensor("s").asLongs());
    assertArrayEquals(new double[] {2.5}, l.tensor("d").asDoubles());
    assertEquals(0, l.tensor("d").shape().length);
    assertEquals(Map.of("by", "python"), l.metadata());
  }

  /** Sanity check of the expectation builder itself, so a broken one cannot hide mismatches. */
  @Test
  void describeFormatsAsPythonWould() {
    ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f);
    Map<String, Entry> m = Map.of("x", new Entry(SafeTensors.ElementType.F32, new long[] {2}, b.array()));
    assertEquals(
        List.of("T x F32 [2] " + sha256(b.array()) + " 3.0"), describe(m));
    assertEquals(List.of("T x F32 [2] abc 3.0"), normalize("META {}\nT x F32 [2] abc 3.0\n"));
  }
}
