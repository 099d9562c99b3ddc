package tangent.scm.eval;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tangent.core.Rng;
import tangent.scm.data.Idx;

/** Test fixtures: a tiny synthetic Fashion-MNIST directory and hand-written .npy files. */
final class TinyFashion {
    private TinyFashion() {}

    /** uint8 images: label k draws a bright band at rows 2k+3..2k+5 over noise. */
    static byte[] images(int n, int[] labels, long seed) {
        double[] u = new Rng(seed).uniformArray(n * 784, 0, 60);
        byte[] b = new byte[n * 784];
        for (int i = 0; i < n; i++)
            for (int r = 0; r < 28; r++)
                for (int c = 0; c < 28; c++) {
                    double v = u[i * 784 + r * 28 + c];
                    if (r >= 2 * labels[i] + 3 && r <= 2 * labels[i] + 5 && c > 4 && c < 24) v += 180;
                    b[i * 784 + r * 28 + c] = (byte) Math.min(255, (int) v);
                }
        return b;
    }

    static int[] labels(int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) l[i] = (i * 7) % 10;
        return l;
    }

    /** Writes train/t10k images and labels (train gzipped, test plain) into dir. */
    static Path write(Path dir, int nTrain, int nTest) throws IOException {
        Files.createDirectories(dir);
        int[] lt = labels(nTrain), ls = labels(nTest);
        Idx.write(dir.resolve("train-images-idx3-ubyte.gz"), new int[] {nTrain, 28, 28}, images(nTrain, lt, 1), true);
        Idx.write(dir.resolve("train-labels-idx1-ubyte.gz"), new int[] {nTrain}, toBytes(lt), true);
        Idx.write(dir.resolve("t10k-images-idx3-ubyte"), new int[] {nTest, 28, 28}, images(nTest, ls, 2), false);
        Idx.write(dir.resolve("t10k-labels-idx1-ubyte"), new int[] {nTest}, toBytes(ls), false);
        return dir;
    }

    static byte[] toBytes(int[] v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /** A version-1.0 .npy file with the given descr ('|u1', '<f4', '<i4', ...) and raw little-endian data. */
    static void writeNpy(Path file, String descr, byte[] data, int... shape) throws IOException {
        StringBuilder s = new StringBuilder("(");
        for (int d : shape) s.append(d).append(", ");
        if (shape.length > 1) s.setLength(s.length() - 2);
        s.append(")");
        String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + s + ", }";
        int total = 10 + h.length() + 1;
        int pad = (64 - total % 64) % 64;
        h = h + " ".repeat(pad) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + h.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        bb.putShort((short) h.length());
        bb.put(h.getBytes(StandardCharsets.ISO_8859_1));
        bb.put(data);
        Files.write(file, bb.array());
    }

    static byte[] f32(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        return bb.array();
    }
}
