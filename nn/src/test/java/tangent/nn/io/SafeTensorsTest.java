package tangent.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.nn.io.SafeTensors.ElementType;
import tangent.nn.io.SafeTensors.Entry;
import tangent.nn.io.SafeTensors.FormatException;
import tangent.nn.io.SafeTensors.Loaded;

/** Tests of {@link SafeTensors} and {@link AtomicFiles}. */
class SafeTensorsTest {

  @TempDir Path dir;

  // ------------------------------------------------------------------------------------ helpers

  /** Writes {@code 8-byte LE length || header || data} exactly as given (no padding). */
  private Path raw(String name, String header, byte[] data) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    return rawWithLength(name, h.length, h, data);
  }

  private Path rawWithLength(String name, long declared, byte[] header, byte[] data)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length);
    b.order(ByteOrder.LITTLE_ENDIAN).putLong(declared).put(header).put(data);
    Path p = dir.resolve(name);
    Files.write(p, b.array());
    return p;
  }

  /** Reads {@code p}, expecting a FormatException, and returns its problem text. */
  private static String problem(Path p) {
    FormatException e = assertThrows(FormatException.class, () -> SafeTensors.read(p));
    assertEquals("checkpoint " + p + ": " + e.problem(), e.getMessage());
    assertEquals(p, e.file());
    return e.problem();
  }

  private static Map<String, Entry> sample() {
    Map<String, Entry> m = new HashMap<>();
    m.put("down.0.weight", Entry.f32(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    m.put("bias", Entry.f64(new double[] {0.5, -1.25, Math.PI, 1e300}, 4));
    m.put("step", Entry.i64(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 2, 2));
    m.put("idx", Entry.i32(new int[] {-7, 0, 42}, 3));
    m.put("mask", Entry.u8(new byte[] {0, 1, (byte) 255, 7, 8}, 5));
    m.put("scale", Entry.f32(new float[] {2.5f})); // scalar, shape []
    m.put("empty", Entry.f32(new float[0], 0, 3)); // no bytes
    m.put("half", new Entry(ElementType.BF16, new long[] {2}, new byte[] {0x3f, (byte) 0x80, 0, 0x40}));
    m.put(
        "nan.and.zero",
        Entry.f32(
            new float[] {-0.0f, Float.intBitsToFloat(0x7fc00123), Float.NEGATIVE_INFINITY}, 3));
    return m;
  }

  private static byte[] le32(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  private static String spec(String dtype, String shape, long begin, long end) {
    return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
        + end + "]}";
  }

  // --------------------------------------------------------------------------------- round trip

  @Test
  void roundTripsSeveralDtypesAndShapes() throws IOException {
    Path p = dir.resolve("model.safetensors");
    Map<String, Entry> in = sample();
    Map<String, String> meta = Map.of("step", "100", "note", "quote \" slash \\ nl \n ünï 😀");
    SafeTensors.write(p, in, meta);

    Loaded out = SafeTensors.read(p);
    assertEquals(p, out.file());
    assertEquals(in, out.tensors());
    assertEquals(meta, out.metadata());
    // header order is the write order, which is sorted by name
    assertEquals(
        in.keySet().stream().sorted().collect(Collectors.toList()),
        List.copyOf(out.tensors().keySet()));

    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, out.tensor("down.0.weight").asFloats());
    assertArrayEquals(new long[] {2, 3}, out.tensor("down.0.weight").shape());
    assertArrayEquals(
        new double[] {0.5, -1.25, Math.PI, 1e300}, out.tensor("bias").asDoubles());
    assertArrayEquals(
        new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, out.tensor("step").asLongs());
    assertArrayEquals(new int[] {-7, 0, 42}, out.tensor("idx").asInts());
    assertArrayEquals(new byte[] {0, 1, (byte) 255, 7, 8}, out.tensor("mask").asUnsignedBytes());

    Entry scalar = out.tensor("scale");
    assertEquals(0, scalar.shape().length);
    assertEquals(1, scalar.numel());
    assertArrayEquals(new float[] {2.5f}, scalar.asFloats());

    Entry empty = out.tensor("empty");
    assertArrayEquals(new long[] {0, 3}, empty.shape());
    assertEquals(0, empty.numel());
    assertEquals(0, empty.data().length);

    float[] special = out.tensor("nan.and.zero").asFloats();
    assertEquals(0x80000000, Float.floatToRawIntBits(special[0]), "-0.0 preserved");
    assertEquals(0x7fc00123, Float.floatToRawIntBits(special[1]), "NaN payload preserved");
    assertEquals(Float.NEGATIVE_INFINITY, special[2]);

    assertEquals(ElementType.BF16, out.tensor("half").dtype());
  }

  @Test
  void emptyCheckpointRoundTrips() throws IOException {
    Path p = dir.resolve("nothing.safetensors");
    SafeTensors.write(p, Map.of(), null);
    assertArrayEquals(
        new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
        Files.readAllBytes(p));
    Loaded l = SafeTensors.read(p);
    assertTrue(l.tensors().isEmpty());
    assertTrue(l.metadata().isEmpty());
  }

  @Test
  void outputIsDeterministicRegardlessOfMapOrder() throws IOException {
    Map<String, Entry> a = new LinkedHashMap<>();
    Map<String, Entry> b = new LinkedHashMap<>();
    List<String> names = List.of("z", "a", "m.1", "m.10", "m.2", "B");
    for (int i = 0; i < names.size(); i++) {
      a.put(names.get(i), Entry.f32(new float[] {i}, 1));
    }
    for (int i = names.size() - 1; i >= 0; i--) {
      b.put(names.get(i), Entry.f32(new float[] {i}, 1));
    }
    Map<String, String> m1 = new LinkedHashMap<>();
    m1.put("y", "1");
    m1.put("x", "2");
    Map<String, String> m2 = new LinkedHashMap<>();
    m2.put("x", "2");
    m2.put("y", "1");
    Path pa = dir.resolve("a.safetensors");
    Path pb = dir.resolve("b.safetensors");
    SafeTensors.write(pa, a, m1);
    SafeTensors.write(pb, b, m2);
    assertArrayEquals(Files.readAllBytes(pa), Files.readAllBytes(pb));
    assertEquals(
        List.of("B", "a", "m.1", "m.10", "m.2", "z"),
        List.copyOf(SafeTensors.read(pa).tensors().keySet()));
  }

  @Test
  void byteExactAgainstHandBuiltFile() throws IOException {
    Map<String, Entry> t = new HashMap<>();
    t.put("w", Entry.f32(new float[] {1.5f, -2f, 0.25f}, 3));
    t.put("a\"b", Entry.i64(new long[] {7}));
    Path p = dir.resolve("exact.safetensors");
    SafeTensors.write(p, t, Map.of("format", "pt"));

    // Independently built expectation.
    String json =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"a\\\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[8,20]}}";
    int jsonLen = json.getBytes(StandardCharsets.UTF_8).length;
    int padded = (jsonLen + 7) / 8 * 8;
    String header = json + " ".repeat(padded - jsonLen);
    ByteBuffer expected = ByteBuffer.allocate(8 + padded + 20).order(ByteOrder.LITTLE_ENDIAN);
    expected.putLong(padded);
    expected.put(header.getBytes(StandardCharsets.UTF_8));
    expected.putLong(7L);
    expected.putFloat(1.5f).putFloat(-2f).putFloat(0.25f);

    byte[] actual = Files.readAllBytes(p);
    assertEquals(0, padded % 8);
    assertEquals(
        new String(expected.array(), StandardCharsets.ISO_8859_1),
        new String(actual, StandardCharsets.ISO_8859_1),
        "file bytes (as Latin-1 text for a readable diff)");
    assertArrayEquals(expected.array(), actual);
    // The float bytes themselves: 1.5f = 0x3FC00000 little-endian.
    assertArrayEquals(
        new byte[] {0, 0, (byte) 0xC0, 0x3F}, Arrays.copyOfRange(actual, 8 + padded + 8, 8 + padded + 12));
  }

  @Test
  void readsHeaderWithWhitespaceEscapesAndAnyOrder() throws IOException {
    // As another writer might produce: spaces, escapes, metadata last, header order != data order.
    String header =
        "{ \"z\\u00e9\\n\" : " + spec("F32", "[ 2 ]", 4, 12) + " ,\n"
            + "  \"a\\/b\" : " + spec("F32", "[]", 0, 4) + ",\r\n\t"
            + "\"__metadata__\": {\"k\\\"\": \"v\\\\\\u263A\"} }  ";
    Path p = raw("ws.safetensors", header, le32(9f, 1f, 2f));
    Loaded l = SafeTensors.read(p);
    assertEquals(List.of("zé\n", "a/b"), List.copyOf(l.tensors().keySet()));
    assertArrayEquals(new float[] {1f, 2f}, l.tensor("zé\n").asFloats());
    assertArrayEquals(new float[] {9f}, l.tensor("a/b").asFloats());
    assertEquals(Map.of("k\"", "v\\☺"), l.metadata());
  }

  @Test
  void entryFactoriesAndAccessorsCheckTheirArguments() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Entry.f32(new float[5], 2, 3));
    assertEquals("shape [2, 3] has 6 elements but 5 values were given", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> new Entry(ElementType.F64, new long[] {2}, new byte[8]));
    assertEquals("shape [2] of F64 needs 16 bytes but 8 were given", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Entry.f32(new float[0], -1));
    IllegalStateException s =
        assertThrows(IllegalStateException.class, () -> Entry.i64(new long[1], 1).asFloats());
    assertEquals("tensor is I64, not F32", s.getMessage());
    // shape is defensively copied
    long[] shape = {1, 2};
    Entry entry = Entry.f32(new float[2], shape);
    shape[0] = 5;
    entry.shape()[1] = 9;
    assertArrayEquals(new long[] {1, 2}, entry.shape());
  }

  @Test
  void writeRejectsReservedNameAndLeavesNoFile() {
    Path p = dir.resolve("bad.safetensors");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                SafeTensors.write(
                    p, Map.of("__metadata__", Entry.f32(new float[] {1}, 1)), null));
    assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    assertFalse(Files.exists(p));
  }

  @Test
  void missingTensorLookupNamesFileAndAvailableTensors() throws IOException {
    Path p = dir.resolve("m.safetensors");
    SafeTensors.write(p, Map.of("a", Entry.f32(new float[] {1}, 1)), null);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(p).tensor("b"));
    assertEquals("checkpoint " + p + ": no tensor 'b' (it has 1 tensors: a)", e.getMessage());
  }

  // -------------------------------------------------------------------------------- corruption

  @Test
  void rejectsFileShorterThanLengthPrefix() throws IOException {
    Path p = dir.resolve("short.safetensors");
    Files.write(p, new byte[] {1, 2, 3, 4, 5});
    assertEquals(
        "file is 5 bytes, shorter than the 8-byte header length prefix (empty or truncated?)",
        problem(p));
  }

  @Test
  void rejectsHeaderLengthBeyondFile() throws IOException {
    byte[] h = "{}".getBytes(StandardCharsets.UTF_8);
    Path p = rawWithLength("long.safetensors", 1000, h, new byte[0]);
    assertEquals(
        "header length 1000 goes beyond the end of the file (10 bytes, so at most 2 header bytes"
            + " after the 8-byte prefix; file truncated?)",
        problem(p));
    // length with the top bit set must not be read as negative
    Path q = rawWithLength("huge.safetensors", -1L, h, new byte[0]);
    assertTrue(problem(q).startsWith("header length 18446744073709551615 goes beyond"), problem(q));
  }

  @Test
  void rejectsMalformedJsonWithPosition() throws IOException {
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1] \"data_offsets\":[0,4]}}";
    int pos = header.indexOf(" \"data_offsets\"") + 1;
    Path p = raw("json.safetensors", header, new byte[4]);
    assertEquals(
        "header is not valid JSON: unexpected '\"', expected ',' or '}' in object at header byte "
            + pos + " (file offset " + (pos + 8) + "), near \"\\\"shape\\\":[1] \\\"data_offset\"",
        problem(p));
  }

  @Test
  void jsonPositionCountsBytesNotChars() throws IOException {
    // "é" is 2 bytes in UTF-8; the error is at the ',' after the key (char 5, byte 6).
    Path p = raw("utf8pos.safetensors", "{\"é\" , 1}", new byte[0]);
    assertTrue(
        problem(p).startsWith(
            "header is not valid JSON: unexpected ',', expected ':' after object key at header"
                + " byte 6 (file offset 14)"),
        problem(p));
  }

  @Test
  void rejectsEachKindOfJsonSyntaxError() throws IOException {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("", "unexpected end of input, expected a value at header byte 0");
    cases.put("{}x", "unexpected 'x' after the top-level value at header byte 2");
    cases.put("{\"a", "unterminated string at header byte 3");
    cases.put("{\"a\\q\":1}", "invalid escape sequence '\\q' at header byte 3");
    cases.put("{\"a\\u12G4\":1}", "invalid hex digit 'G' in \\u escape at header byte 7");
    cases.put("{\"a\":01}", "leading zero in number at header byte 6");
    cases.put("{\"a\":-}", "expected a digit after '-' at header byte 6");
    cases.put("{\"a\":1.}", "expected a digit after '.' at header byte 7");
    cases.put("{\"a\":[1,]}", "unexpected ']', expected a value at header byte 8");
    cases.put("{\"a\":tru}", "unexpected 't', expected a value at header byte 5");
    cases.put("{\"a\":\"x\ty\"}", "unescaped control character U+0009 in string at header byte 7");
    cases.put("{,}", "unexpected ',', expected a string key at header byte 1");
    cases.put("{'a':1}", "unexpected ''', expected a string key at header byte 1");
    cases.put("[".repeat(100), "nesting deeper than 64 at header byte 64");
    int n = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path p = raw("syntax" + n++ + ".safetensors", c.getKey(), new byte[0]);
      String got = problem(p);
      assertTrue(
          got.startsWith("header is not valid JSON: " + c.getValue() + " (file offset"),
          "header " + c.getKey() + " gave: " + got);
    }
  }

  @Test
  void rejectsInvalidUtf8() throws IOException {
    byte[] h = {'{', '"', (byte) 0xC3, '"', ':', '1', '}'};
    Path p = rawWithLength("utf.safetensors", h.length, h, new byte[0]);
    assertEquals("header is not valid UTF-8 at header byte 2 (file offset 10)", problem(p));
  }

  @Test
  void rejectsNonObjectHeader() throws IOException {
    assertEquals(
        "header is a JSON array, not an object", problem(raw("arr.safetensors", "[1]", new byte[0])));
  }

  @Test
  void rejectsUnknownDtype() throws IOException {
    Path p = raw("dtype.safetensors", "{\"w\":" + spec("F17", "[1]", 0, 4) + "}", new byte[4]);
    assertEquals(
        "tensor 'w' has unknown dtype 'F17' (known: BOOL, U8, I8, I16, U16, F16, BF16, I32, U32,"
            + " F32, I64, U64, F64)",
        problem(p));
  }

  @Test
  void rejectsSizeMismatchWithTheDocumentedMessage() throws IOException {
    Path p =
        raw(
            "size.safetensors",
            "{\"down.3.c0.weight\":" + spec("F32", "[2,3]", 0, 12) + "}",
            new byte[12]);
    assertEquals(
        "checkpoint " + p + ": tensor 'down.3.c0.weight' has data_offsets [0, 12] but shape [2, 3]"
            + " of F32 needs 24 bytes",
        assertThrows(FormatException.class, () -> SafeTensors.read(p)).getMessage());
  }

  @Test
  void rejectsOffsetsOutOfBounds() throws IOException {
    Path p = raw("oob.safetensors", "{\"w\":" + spec("F32", "[2,3]", 0, 24) + "}", new byte[12]);
    assertEquals(
        "tensor 'w' has data_offsets [0, 24] beyond the end of the data section, which has only 12"
            + " bytes (file truncated?)",
        problem(p));
  }

  @Test
  void rejectsOverlap() throws IOException {
    String h = "{\"a\":" + spec("F32", "[2]", 0, 8) + ",\"b\":" + spec("F32", "[2]", 4, 12) + "}";
    assertEquals(
        "tensor 'b' has data_offsets [4, 12] which overlap tensor 'a' [0, 8]",
        problem(raw("overlap.safetensors", h, new byte[12])));
    // an empty tensor inside another one also counts
    String h2 = "{\"a\":" + spec("F32", "[2]", 0, 8) + ",\"e\":" + spec("F32", "[0]", 4, 4) + "}";
    assertEquals(
        "tensor 'e' has data_offsets [4, 4] which overlap tensor 'a' [0, 8]",
        problem(raw("overlap2.safetensors", h2, new byte[8])));
  }

  @Test
  void rejectsHoles() throws IOException {
    String h = "{\"a\":" + spec("F32", "[2]", 0, 8) + ",\"b\":" + spec("F32", "[2]", 12, 20) + "}";
    assertEquals(
        "tensor 'b' has data_offsets [12, 20] leaving a hole of 4 bytes after tensor 'a' [0, 8]",
        problem(raw("hole.safetensors", h, new byte[20])));
    String h2 = "{\"a\":" + spec("F32", "[2]", 4, 12) + "}";
    assertEquals(
        "tensor 'a' has data_offsets [4, 12] leaving a hole of 4 bytes at the start of the data"
            + " section",
        problem(raw("hole2.safetensors", h2, new byte[12])));
  }

  @Test
  void rejectsTrailingBytesAfterLastTensor() throws IOException {
    String h = "{\"a\":" + spec("F32", "[2]", 0, 8) + "}";
    assertEquals(
        "data section is 10 bytes but the tensors end at byte 8 (2 unexpected trailing bytes)",
        problem(raw("trail.safetensors", h, new byte[10])));
  }

  @Test
  void rejectsDuplicateNames() throws IOException {
    String h = "{\"a\":" + spec("F32", "[1]", 0, 4) + ",\"a\":" + spec("F32", "[1]", 4, 8) + "}";
    int pos = h.indexOf("\"a\"", 2);
    assertEquals(
        "duplicate tensor name 'a' in header at byte " + pos + " (file offset " + (pos + 8) + ")",
        problem(raw("dup.safetensors", h, new byte[8])));
    // a duplicate key inside an entry is a JSON error, not a duplicate tensor
    String h2 = "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
    assertTrue(
        problem(raw("dup2.safetensors", h2, new byte[4]))
            .startsWith("header is not valid JSON: duplicate key 'dtype' at header byte 20"));
  }

  @Test
  void rejectsMalformedEntries() throws IOException {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{\"w\":[1]}", "tensor 'w' is a JSON array, not an object");
    cases.put(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[]}}", "tensor 'w' is missing 'data_offsets'");
    cases.put(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":1}}",
        "tensor 'w' has unexpected key 'x' (allowed: dtype, shape, data_offsets)");
    cases.put(
        "{\"w\":{\"dtype\":4,\"shape\":[],\"data_offsets\":[0,4]}}",
        "tensor 'w' has a dtype that is a JSON number, not a string");
    cases.put(
        "{\"w\":" + spec("F32", "[-1]", 0, 4) + "}",
        "tensor 'w' has shape element 0 = -1, outside 0..9223372036854775807");
    cases.put(
        "{\"w\":" + spec("F32", "[1.5]", 0, 4) + "}",
        "tensor 'w' has shape element 0 that is a JSON number (1.5), not an integer");
    cases.put(
        "{\"w\":" + spec("F32", "{}", 0, 4) + "}",
        "tensor 'w' has a shape that is a JSON object, not an array");
    cases.put(
        "{\"w\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0]}}",
        "tensor 'w' has data_offsets with 1 elements, expected 2");
    cases.put(
        "{\"w\":" + spec("F32", "[]", 4, 0) + "}",
        "tensor 'w' has data_offsets [4, 0] whose begin is after its end");
    cases.put(
        "{\"w\":" + spec("F32", "[4294967296,4294967296]", 0, 4) + "}",
        "tensor 'w' has shape [4294967296, 4294967296] whose size overflows 64 bits");
    cases.put(
        "{\"__metadata__\":{\"k\":1}}",
        "'__metadata__' value for key 'k' is a JSON number, not a string");
    cases.put("{\"__metadata__\":[]}", "'__metadata__' is a JSON array, not an object");
    int n = 0;
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Path p = raw("entry" + n++ + ".safetensors", c.getKey(), new byte[4]);
      assertEquals(c.getValue(), problem(p), "header " + c.getKey());
    }
  }

  @Test
  void reportsTheFirstProblemInHeaderOrder() throws IOException {
    // 'x' (first in header) has a size mismatch, 'y' an unknown dtype, and there is a hole.
    String h =
        "{\"x\":" + spec("F32", "[3]", 100, 104) + ",\"y\":" + spec("Q4", "[1]", 0, 4) + "}";
    assertEquals(
        "tensor 'x' has data_offsets [100, 104] but shape [3] of F32 needs 12 bytes",
        problem(raw("first.safetensors", h, new byte[4])));
  }

  @Test
  void everyTruncationOfAValidFileFailsClearly() throws IOException {
    Path good = dir.resolve("good.safetensors");
    SafeTensors.write(good, sample(), Map.of("epoch", "3"));
    byte[] bytes = Files.readAllBytes(good);
    for (int len = 0; len < bytes.length; len++) {
      Path p = dir.resolve("trunc.safetensors");
      Files.write(p, Arrays.copyOf(bytes, len));
      String msg = problem(p);
      assertTrue(msg.contains("truncated?"), "truncated to " + len + " bytes: " + msg);
    }
  }

  // ------------------------------------------------------------------------------ atomic writes

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(x -> x.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void failedWriteLeavesOldFileIntactAndNoTempFile() throws IOException {
    Path target = dir.resolve("ckpt.safetensors");
    SafeTensors.write(target, sample(), Map.of("v", "old"));
    byte[] before = Files.readAllBytes(target);

    IOException e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write(new byte[1 << 20]); // more than the stream buffer
                      out.flush();
                      // mid-write: the new content lives in a sibling temp file only
                      List<String> now = listing();
                      assertEquals(2, now.size(), now.toString());
                      assertTrue(
                          now.stream().anyMatch(n -> n.startsWith(".ckpt.safetensors.tmp-")),
                          now.toString());
                      assertArrayEquals(before, Files.readAllBytes(target));
                      throw new IOException("disk on fire");
                    }));
    // the message names the file (a full disk's "No space left on device" alone would not)
    assertEquals("writing " + target + ": disk on fire (the previous file, if any, is unchanged)", e.getMessage());
    assertEquals("disk on fire", e.getCause().getMessage());
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of("ckpt.safetensors"), listing());
    assertEquals(Map.of("v", "old"), SafeTensors.read(target).metadata());

    // unchecked exceptions too, and through the channel variant
    assertThrows(
        UncheckedIOException.class,
        () ->
            AtomicFiles.writeChannel(
                target,
                ch -> {
                  AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[100]));
                  throw new UncheckedIOException(new IOException("boom"));
                }));
    assertArrayEquals(before, Files.readAllBytes(target));
    assertEquals(List.of("ckpt.safetensors"), listing());
  }

  @Test
  void successfulWriteReplacesTarget() throws IOException {
    Path target = dir.resolve("metrics.json");
    AtomicFiles.writeString(target, "{\"loss\": 1}");
    AtomicFiles.write(
        target,
        out -> {
          out.write("{\"loss\": 0.5}".getBytes(StandardCharsets.UTF_8));
          out.close(); // harmless: only flushes
        });
    assertEquals("{\"loss\": 0.5}", Files.readString(target));
    AtomicFiles.writeBytes(target, new byte[] {1, 2});
    assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(target));
    assertEquals(List.of("metrics.json"), listing());

    SafeTensors.write(target.resolveSibling("c.safetensors"), sample(), null);
    SafeTensors.write(target.resolveSibling("c.safetensors"), Map.of(), null);
    assertTrue(SafeTensors.read(target.resolveSibling("c.safetensors")).tensors().isEmpty());
    assertEquals(List.of("c.safetensors", "metrics.json"), listing());
  }

  @Test
  void writeIntoMissingDirectoryFailsWithoutSideEffects() {
    Path target = dir.resolve("no/such/dir/x.safetensors");
    assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "x"));
    assertFalse(Files.exists(target.getParent()));
  }
}
