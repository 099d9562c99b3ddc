package tangent.scm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir Path tmp;

    /** Hand-built IDX bytes (independent of Idx.write). */
    static byte[] idxBytes(int magic, int[] dims, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int v : concat(magic, dims)) {
            b.write(v >>> 24);
            b.write(v >>> 16);
            b.write(v >>> 8);
            b.write(v);
        }
        b.writeBytes(data);
        return b.toByteArray();
    }

    static int[] concat(int first, int[] rest) {
        int[] r = new int[rest.length + 1];
        r[0] = first;
        System.arraycopy(rest, 0, r, 1, rest.length);
        return r;
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(raw);
        }
        return b.toByteArray();
    }

    static byte[] seq(int n) {
        byte[] d = new byte[n];
        for (int i = 0; i < n; i++) d[i] = (byte) (i * 37 + 11);
        return d;
    }

    @Test
    void readsPlainAndGzipImagesAndLabels() throws IOException {
        byte[] img = seq(3 * 4 * 5);
        byte[] raw = idxBytes(0x00000803, new int[] {3, 4, 5}, img);
        Path plain = Files.write(tmp.resolve("imgs-idx3-ubyte"), raw);
        Path gz = Files.write(tmp.resolve("imgs-idx3-ubyte.gz"), gzip(raw));
        for (Path p : new Path[] {plain, gz}) {
            Idx.IdxData d = Idx.read(p, 3);
            assertArrayEquals(new int[] {3, 4, 5}, d.dims(), p.toString());
            assertArrayEquals(img, d.data(), p.toString());
            assertEquals(60, d.count());
            assertEquals(img[7] & 0xff, d.u8(7));
        }
        byte[] lbl = {0, 9, 3, (byte) 255};
        Path l = Files.write(tmp.resolve("labels"), gzip(idxBytes(0x00000801, new int[] {4}, lbl)));
        Idx.IdxData d = Idx.read(l, 1);
        assertArrayEquals(new int[] {4}, d.dims());
        assertEquals(255, d.u8(3));
    }

    @Test
    void gzipIsDetectedByContentNotName() throws IOException {
        byte[] raw = idxBytes(0x00000801, new int[] {3}, new byte[] {1, 2, 3});
        Path gzNoSuffix = Files.write(tmp.resolve("compressed-no-suffix"), gzip(raw));
        Path plainWithGz = Files.write(tmp.resolve("plain-but-named.gz"), raw);
        assertArrayEquals(new byte[] {1, 2, 3}, Idx.read(gzNoSuffix).data());
        assertArrayEquals(new byte[] {1, 2, 3}, Idx.read(plainWithGz).data());
    }

    @Test
    void writeRoundTrip() throws IOException {
        byte[] data = seq(2 * 3 * 3);
        for (boolean gz : new boolean[] {false, true}) {
            Path p = tmp.resolve("w" + gz);
            Idx.write(p, new int[] {2, 3, 3}, data, gz);
            byte[] onDisk = Files.readAllBytes(p);
            assertEquals(gz, (onDisk[0] & 0xff) == 0x1f && (onDisk[1] & 0xff) == 0x8b);
            Idx.IdxData d = Idx.read(p, 3);
            assertArrayEquals(new int[] {2, 3, 3}, d.dims());
            assertArrayEquals(data, d.data());
        }
        if (!Arrays.equals(Files.readAllBytes(tmp.resolve("wfalse")), idxBytes(0x803, new int[] {2, 3, 3}, data))) {
            fail("plain IDX writer output differs from the reference layout");
        }
    }

    @Test
    void badMagicNamesFileAndMagic() throws IOException {
        Path p = Files.write(tmp.resolve("bad-magic.idx"), idxBytes(0x12340803, new int[] {1}, new byte[] {0}));
        IOException e = assertThrows(IOException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("bad magic 0x12340803"), e.getMessage());
    }

    @Test
    void wrongTypeAndWrongDimensionCount() throws IOException {
        Path f = Files.write(tmp.resolve("float.idx"), idxBytes(0x00000D01, new int[] {1}, new byte[4]));
        IOException e1 = assertThrows(IOException.class, () -> Idx.read(f));
        assertTrue(e1.getMessage().contains("float.idx") && e1.getMessage().contains("unsupported data type 0x0d"),
            e1.getMessage());
        Path l = Files.write(tmp.resolve("labels.idx"), idxBytes(0x00000801, new int[] {2}, new byte[2]));
        IOException e2 = assertThrows(IOException.class, () -> Idx.read(l, 3));
        assertTrue(e2.getMessage().contains("labels.idx"), e2.getMessage());
        assertTrue(e2.getMessage().contains("wrong dimension count: expected 3 got 1"), e2.getMessage());
    }

    @Test
    void truncatedDataHeaderAndGzip() throws IOException {
        byte[] raw = idxBytes(0x00000803, new int[] {2, 2, 2}, seq(8));
        Path t = Files.write(tmp.resolve("trunc-idx3"), Arrays.copyOf(raw, raw.length - 3));
        IOException e = assertThrows(IOException.class, () -> Idx.read(t));
        assertTrue(e.getMessage().contains("trunc-idx3"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated: expected 24 bytes got 21"), e.getMessage());

        Path h = Files.write(tmp.resolve("trunc-header"), Arrays.copyOf(raw, 9));
        IOException eh = assertThrows(IOException.class, () -> Idx.read(h));
        assertTrue(eh.getMessage().contains("truncated header: expected 16 bytes got 9"), eh.getMessage());

        byte[] gz = gzip(raw);
        Path tg = Files.write(tmp.resolve("trunc.gz"), Arrays.copyOf(gz, gz.length - 12));
        IOException eg = assertThrows(IOException.class, () -> Idx.read(tg));
        assertTrue(eg.getMessage().contains("trunc.gz"), eg.getMessage());

        Path extra = Files.write(tmp.resolve("extra"), Arrays.copyOf(raw, raw.length + 2));
        IOException ex = assertThrows(IOException.class, () -> Idx.read(extra));
        assertTrue(ex.getMessage().contains("trailing data: expected 24 bytes got 26"), ex.getMessage());

        IOException em = assertThrows(IOException.class, () -> Idx.read(tmp.resolve("nope")));
        assertTrue(em.getMessage().contains("nope") && em.getMessage().contains("not found"), em.getMessage());
    }
}
