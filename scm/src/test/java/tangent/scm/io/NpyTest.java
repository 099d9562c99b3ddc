package tangent.scm.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir Path tmp;

    // Fixtures produced by numpy 2.4 (numpy.lib.format.write_array), base64-encoded.
    /** np.arange(6, dtype=uint8).reshape(2, 3) * 50 */
    static final String U1 = "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAMmSWyPo=";
    /** np.array([1.5, -2.25, 1e10]) (float64) */
    static final String F8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAALAAAAAIF+gAkI=";
    /** np.arange(8, dtype=float32).reshape(2, 1, 2, 2) / 4 - 0.5, format version 2.0 */
    static final String F4V2 = "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwgMSwgMiwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAC/AACAvgAAAAAAAIA+AAAAPwAAQD8AAIA/AACgPw==";
    /** np.asfortranarray(np.arange(6, dtype=float32).reshape(2, 3)) */
    static final String FORT = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=";
    /** np.arange(3, dtype='>f4') */
    static final String BE = "k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAP4AAAEAAAAA=";

    Path fixture(String name, String b64) throws IOException {
        return Files.write(tmp.resolve(name), Base64.getDecoder().decode(b64));
    }

    @Test
    void readsNumpyFixtures() throws IOException {
        Npy.NpyArray u1 = Npy.read(fixture("u1.npy", U1));
        assertArrayEquals(new int[] {2, 3}, u1.shape());
        assertArrayEquals(new float[] {0, 50, 100, 150, 200, 250}, u1.data()); // uint8 stays 0..255
        assertEquals("|u1", u1.dtype());

        Npy.NpyArray f8 = Npy.read(fixture("f8.npy", F8));
        assertArrayEquals(new int[] {3}, f8.shape());
        assertArrayEquals(new float[] {1.5f, -2.25f, 1e10f}, f8.data());

        Npy.NpyArray v2 = Npy.read(fixture("v2.npy", F4V2));
        assertArrayEquals(new int[] {2, 1, 2, 2}, v2.shape());
        float[] want = new float[8];
        for (int i = 0; i < 8; i++) want[i] = i / 4f - 0.5f;
        assertArrayEquals(want, v2.data());
    }

    @Test
    void writeThenReadVariousShapes() throws IOException {
        int[][] shapes = {{5, 28, 28}, {3, 1, 28, 28}, {7}, {}, {0, 4}, {2, 3}};
        for (int[] shape : shapes) {
            int n = 1;
            for (int d : shape) n *= d;
            float[] data = new float[n];
            for (int i = 0; i < n; i++) data[i] = (float) Math.sin(i) * 3 - (i % 7 == 0 ? Float.MIN_VALUE : 0);
            if (n > 2) data[2] = Float.NaN;
            Path p = tmp.resolve("a" + Arrays.toString(shape).replaceAll("[^0-9]", "_") + ".npy");
            Npy.writeFloat32(p, data, shape);
            Npy.NpyArray r = Npy.read(p);
            assertArrayEquals(shape, r.shape(), Arrays.toString(shape));
            assertArrayEquals(data, r.data(), Arrays.toString(shape));
            assertEquals("<f4", r.dtype());
        }
    }

    @Test
    void writerProducesNumpyLayout() throws IOException {
        byte[] b = Npy.encodeFloat32(new float[] {1f, 2f, 3f}, 3);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int hl = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(0, (10 + hl) % 64, "header must be padded to 64 bytes");
        String header = new String(b, 10, hl, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + hl + 12, b.length);
        assertEquals(0x3f800000, (b[10 + hl] & 0xff) | (b[11 + hl] & 0xff) << 8 | (b[12 + hl] & 0xff) << 16 | (b[13 + hl] & 0xff) << 24);
        assertThrows(IllegalArgumentException.class, () -> Npy.writeFloat32(tmp.resolve("x.npy"), new float[5], 2, 3));
    }

    @Test
    void clearErrorsNamingTheFile() throws IOException {
        Path fort = fixture("fortran.npy", FORT);
        IOException e = assertThrows(IOException.class, () -> Npy.read(fort));
        assertTrue(e.getMessage().contains("fortran.npy") && e.getMessage().contains("Fortran"), e.getMessage());

        Path be = fixture("bigendian.npy", BE);
        IOException e2 = assertThrows(IOException.class, () -> Npy.read(be));
        assertTrue(e2.getMessage().contains("bigendian.npy") && e2.getMessage().contains("big-endian"), e2.getMessage());

        byte[] full = Base64.getDecoder().decode(F4V2);
        Path tr = Files.write(tmp.resolve("truncated.npy"), Arrays.copyOf(full, full.length - 5));
        IOException e3 = assertThrows(IOException.class, () -> Npy.read(tr));
        assertTrue(e3.getMessage().contains("truncated.npy"), e3.getMessage());
        assertTrue(e3.getMessage().contains("truncated: expected " + full.length + " bytes got " + (full.length - 5)),
            e3.getMessage());

        Path bad = Files.write(tmp.resolve("notnpy.npy"), "hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
        IOException e4 = assertThrows(IOException.class, () -> Npy.read(bad));
        assertTrue(e4.getMessage().contains("notnpy.npy") && e4.getMessage().contains("bad magic"), e4.getMessage());

        byte[] u1 = Base64.getDecoder().decode(U1);
        String s = new String(u1, StandardCharsets.ISO_8859_1).replace("'|u1'", "'<c8'");
        Path cplx = Files.write(tmp.resolve("complex.npy"), s.getBytes(StandardCharsets.ISO_8859_1));
        IOException e5 = assertThrows(IOException.class, () -> Npy.read(cplx));
        assertTrue(e5.getMessage().contains("complex.npy") && e5.getMessage().contains("unsupported dtype '<c8'"),
            e5.getMessage());

        IOException e6 = assertThrows(IOException.class, () -> Npy.read(tmp.resolve("missing.npy")));
        assertTrue(e6.getMessage().contains("missing.npy"), e6.getMessage());
    }
}
