package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.scm.data.Idx;

class SampleFilesTest {
    @TempDir
    Path tmp;

    @Test
    void uint8NpyMapsToSignedUnit() throws IOException {
        byte[] b = new byte[2 * 784];
        b[0] = 0;
        b[1] = (byte) 255;
        b[2] = (byte) 128;
        Path f = tmp.resolve("u8.npy");
        TinyFashion.writeNpy(f, "|u1", b, 2, 28, 28);
        SampleFiles.Samples s = SampleFiles.read(f);
        assertEquals(2, s.n());
        assertEquals(-1f, s.images()[0]);
        assertEquals(1f, s.images()[1]);
        assertEquals(128 / 127.5f - 1, s.images()[2], 1e-6f);
        assertTrue(s.description().contains("uint8"), s.description());
    }

    @Test
    void float32InSignedUnitIsTakenAsIsWithChannelAxis() throws IOException {
        float[] v = new float[3 * 784];
        for (int i = 0; i < v.length; i++) v[i] = (float) Math.sin(i) * 1.0005f;
        Path f = tmp.resolve("f.npy");
        TinyFashion.writeNpy(f, "<f4", TinyFashion.f32(v), 3, 1, 28, 28);
        SampleFiles.Samples s = SampleFiles.read(f);
        assertEquals(3, s.n());
        for (int i = 0; i < v.length; i++) assertEquals(Math.max(-1f, Math.min(1f, v[i])), s.images()[i]);
    }

    @Test
    void float32OutsideSignedUnitIsAnErrorNamingTheFile() throws IOException {
        float[] v = new float[2 * 784];
        v[5] = 1.5f;
        Path f = tmp.resolve("zero-one.npy");
        TinyFashion.writeNpy(f, "<f4", TinyFashion.f32(v), 2, 28, 28);
        IOException e = assertThrows(IOException.class, () -> SampleFiles.read(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("[-1, 1]"), e.getMessage());
        v[5] = Float.NaN;
        TinyFashion.writeNpy(f, "<f4", TinyFashion.f32(v), 2, 28, 28);
        e = assertThrows(IOException.class, () -> SampleFiles.read(f));
        assertTrue(e.getMessage().contains("not finite"), e.getMessage());
    }

    @Test
    void badShapeDtypeAndContentAreErrors() throws IOException {
        Path f = tmp.resolve("shape.npy");
        TinyFashion.writeNpy(f, "|u1", new byte[2 * 3 * 784], 2, 3, 28, 28);
        IOException e = assertThrows(IOException.class, () -> SampleFiles.read(f));
        assertTrue(e.getMessage().contains("(2, 3, 28, 28)") && e.getMessage().contains(f.toString()), e.getMessage());

        Path g = tmp.resolve("int.npy");
        TinyFashion.writeNpy(g, "<i4", new byte[4 * 2 * 784], 2, 28, 28);
        e = assertThrows(IOException.class, () -> SampleFiles.read(g));
        assertTrue(e.getMessage().contains("unsupported dtype"), e.getMessage());

        Path h = tmp.resolve("junk.bin");
        Files.writeString(h, "hello world");
        e = assertThrows(IOException.class, () -> SampleFiles.read(h));
        assertTrue(e.getMessage().contains(h.toString()) && e.getMessage().contains("neither"), e.getMessage());

        Path one = tmp.resolve("one.npy");
        TinyFashion.writeNpy(one, "|u1", new byte[784], 1, 28, 28);
        e = assertThrows(IOException.class, () -> SampleFiles.read(one));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());

        e = assertThrows(IOException.class, () -> SampleFiles.read(tmp.resolve("missing.npy")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void idxPlainAndGzip() throws IOException {
        byte[] b = TinyFashion.images(4, TinyFashion.labels(4), 1);
        for (boolean gz : new boolean[] {false, true}) {
            Path f = tmp.resolve("s" + gz + ".idx");
            Idx.write(f, new int[] {4, 28, 28}, b, gz);
            SampleFiles.Samples s = SampleFiles.read(f);
            assertEquals(4, s.n());
            for (int i = 0; i < b.length; i++) assertEquals((b[i] & 0xff) / 127.5f - 1, s.images()[i], 1e-6f);
        }
        Path bad = tmp.resolve("labels.idx");
        Idx.write(bad, new int[] {4}, new byte[4], false);
        IOException e = assertThrows(IOException.class, () -> SampleFiles.read(bad));
        assertTrue(e.getMessage().contains("N x 28 x 28"), e.getMessage());
    }
}
