package tangent.scm.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import tangent.scm.data.Idx;
import tangent.scm.io.Npy;

/**
 * Reads image samples to score. The rule for values:
 *
 * <ul>
 *   <li>{@code .npy} with dtype uint8 ({@code |u1}): pixel values 0..255, mapped to [-1, 1] by
 *       {@code v / 127.5 - 1} (as the dataset);
 *   <li>{@code .npy} with dtype float32 or float64: must already be in [-1, 1] (the model's output
 *       range); values outside [-1.001, 1.001] are an error (rescale them yourself; e.g. from [0, 1]
 *       use {@code 2 x - 1}), values within that slack are clamped to [-1, 1]; NaN/inf are errors;
 *   <li>IDX ({@code ubyte}, plain or gzip, as Fashion-MNIST's own files): like uint8.
 * </ul>
 *
 * Shapes: {@code N x 28 x 28} or {@code N x 1 x 28 x 28}. The format is recognised from the
 * content (npy magic, else IDX), not the name. Errors name the file and the problem.
 */
public final class SampleFiles {
    private SampleFiles() {}

    /**
     * Images read from a file.
     *
     * @param images {@code n * 784} floats in [-1, 1]
     * @param n number of images
     * @param description what was read, e.g. {@code "npy uint8 (N, 28, 28) -> v/127.5-1"}
     */
    public record Samples(float[] images, int n, String description) {}

    public static Samples read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("samples file " + file + ": not found (or not a regular file)");
        byte[] head = new byte[6];
        int got;
        try (InputStream in = Files.newInputStream(file)) {
            got = in.readNBytes(head, 0, 6);
        }
        if (got == 0) throw new IOException("samples file " + file + ": empty file (expected .npy or IDX images)");
        if (got == 6 && (head[0] & 0xff) == 0x93 && head[1] == 'N' && head[2] == 'U' && head[3] == 'M' && head[4] == 'P'
                && head[5] == 'Y')
            return fromNpy(file, Npy.read(file));
        boolean gzip = got >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        boolean idx = got >= 4 && head[0] == 0 && head[1] == 0;
        if (!gzip && !idx)
            throw new IOException("samples file " + file + ": neither a .npy file (no \\x93NUMPY magic) nor an IDX ubyte file"
                    + " (no 0x0000 magic); expected N x 28 x 28 images as .npy (uint8 or float32 in [-1,1]) or IDX");
        Idx.IdxData d = Idx.read(file);
        int[] dims = d.dims();
        int n = checkShape(file, dims);
        byte[] b = d.data();
        float[] out = new float[n * 784];
        for (int i = 0; i < out.length; i++) out[i] = (float) ((b[i] & 0xff) / 127.5 - 1.0);
        return new Samples(out, n, "IDX ubyte " + shapeStr(dims) + ", mapped v/127.5-1");
    }

    static Samples fromNpy(Path file, Npy.NpyArray a) throws IOException {
        int n = checkShape(file, a.shape());
        String dt = a.dtype();
        String kind = dt.length() == 3 && "<|=".indexOf(dt.charAt(0)) >= 0 ? dt.substring(1) : dt;
        float[] x = a.data();
        switch (kind) {
            case "u1": {
                float[] out = new float[x.length];
                for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] / 127.5 - 1.0);
                return new Samples(out, n, "npy uint8 " + shapeStr(a.shape()) + ", mapped v/127.5-1");
            }
            case "f4":
            case "f8": {
                float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < x.length; i++) {
                    float v = x[i];
                    if (!Float.isFinite(v))
                        throw new IOException("samples file " + file + ": value " + v + " at flat index " + i
                                + " is not finite");
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                if (lo < -1.001f || hi > 1.001f)
                    throw new IOException(String.format(Locale.ROOT, "samples file %s: float values must lie in [-1, 1]"
                            + " (got min %.4g, max %.4g); rescale first (from [0,1]: 2x-1; from [0,255]: x/127.5-1,"
                            + " or save as uint8)", file, lo, hi));
                float[] out = new float[x.length];
                for (int i = 0; i < x.length; i++) out[i] = Math.max(-1f, Math.min(1f, x[i]));
                return new Samples(out, n, "npy " + (kind.equals("f4") ? "float32 " : "float64 ") + shapeStr(a.shape())
                        + ", taken as [-1,1]");
            }
            default:
                throw new IOException("samples file " + file + ": unsupported dtype '" + dt
                        + "' (use uint8 0..255 or float32 in [-1, 1])");
        }
    }

    private static int checkShape(Path file, int[] s) throws IOException {
        boolean ok = (s.length == 3 && s[1] == 28 && s[2] == 28) || (s.length == 4 && s[1] == 1 && s[2] == 28 && s[3] == 28);
        if (!ok)
            throw new IOException("samples file " + file + ": shape " + shapeStr(s) + " is not N x 28 x 28 or N x 1 x 28 x 28");
        if (s[0] < 2) throw new IOException("samples file " + file + ": has " + s[0] + " images; FD needs at least 2"
                + " (and thousands for a meaningful value)");
        return s[0];
    }

    private static String shapeStr(int[] s) {
        return Arrays.toString(s).replace('[', '(').replace(']', ')');
    }
}
