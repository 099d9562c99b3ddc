package tangent.scm.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates and loads the Fashion-MNIST dataset (IDX format).
 *
 * <p>Search order: the directory passed by the caller ({@code --data DIR}), else
 * {@value #DEFAULT_DIR}, which is where Debian's {@code dataset-fashion-mnist} package installs
 * {@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-images-idx3-ubyte.gz} and {@code t10k-labels-idx1-ubyte.gz}. For each file both the
 * {@code .gz} name and the plain (uncompressed) name are accepted; compression is detected from the
 * content, not the name.
 *
 * <p>Images are returned as {@code float[N * 784]} row-major (N x 28 x 28) scaled to [-1, 1] via
 * {@code v / 127.5 - 1}, labels as {@code int[N]} in 0..9.
 */
public final class FashionMnist {
    private FashionMnist() {}

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";
    /** Image side length. */
    public static final int SIDE = 28;
    /** Pixels per image. */
    public static final int PIXELS = SIDE * SIDE;
    /** Class names, indexed by label. */
    public static final List<String> CLASS_NAMES = List.of(
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Which split to load. */
    public enum Split {
        /** 60000 training images. */
        TRAIN("train"),
        /** 10000 test images. */
        TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** Base file name of the image file (without {@code .gz}). */
        public String imagesName() {
            return prefix + "-images-idx3-ubyte";
        }

        /** Base file name of the label file (without {@code .gz}). */
        public String labelsName() {
            return prefix + "-labels-idx1-ubyte";
        }
    }

    /**
     * A loaded split.
     *
     * @param images {@code n * 784} floats in [-1, 1], image {@code i} at offset {@code i * 784}
     * @param labels {@code n} labels in 0..9
     * @param n number of examples
     */
    public record Dataset(float[] images, int[] labels, int n) {
        /** Side length of the square images (28). */
        public int side() {
            return SIDE;
        }
    }

    /**
     * Resolves the dataset directory: {@code dataDir} when non-null, else {@link #DEFAULT_DIR}.
     * Checks that all four files exist (gz or plain) for the requested directory.
     *
     * @throws IOException with installation instructions if files are missing
     */
    public static Path resolveDir(Path dataDir) throws IOException {
        Path dir = dataDir != null ? dataDir : Path.of(DEFAULT_DIR);
        List<String> missing = new ArrayList<>();
        for (Split s : Split.values()) {
            for (String base : new String[] {s.imagesName(), s.labelsName()}) {
                if (find(dir, base) == null) missing.add(base + "[.gz]");
            }
        }
        if (!missing.isEmpty()) {
            throw new IOException(missingMessage(dir, dataDir != null, missing));
        }
        return dir;
    }

    /** True when all four files are present in {@code dir} (null means {@link #DEFAULT_DIR}). */
    public static boolean isAvailable(Path dir) {
        try {
            resolveDir(dir);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Loads one split from {@code dataDir} (null: default location). */
    public static Dataset load(Path dataDir, Split split) throws IOException {
        return load(dataDir, split, Integer.MAX_VALUE);
    }

    /**
     * Loads the first {@code limit} examples of one split from {@code dataDir} (null: default
     * location). The whole file is still read and validated.
     */
    public static Dataset load(Path dataDir, Split split, int limit) throws IOException {
        Path dir = dataDir != null ? dataDir : Path.of(DEFAULT_DIR);
        Path imgFile = find(dir, split.imagesName());
        Path lblFile = find(dir, split.labelsName());
        if (imgFile == null || lblFile == null) {
            List<String> missing = new ArrayList<>();
            if (imgFile == null) missing.add(split.imagesName() + "[.gz]");
            if (lblFile == null) missing.add(split.labelsName() + "[.gz]");
            throw new IOException(missingMessage(dir, dataDir != null, missing));
        }
        Idx.IdxData img = Idx.read(imgFile, 3);
        Idx.IdxData lbl = Idx.read(lblFile, 1);
        int[] d = img.dims();
        if (d[1] != SIDE || d[2] != SIDE) {
            throw new IOException("IDX file " + imgFile + ": expected images of 28x28, got " + d[1] + "x" + d[2]);
        }
        if (lbl.dims()[0] != d[0]) {
            throw new IOException("Fashion-MNIST " + split + ": " + imgFile + " has " + d[0] + " images but "
                + lblFile + " has " + lbl.dims()[0] + " labels");
        }
        int n = Math.min(d[0], Math.max(0, limit));
        float[] images = toSignedUnit(img.data(), n * PIXELS);
        int[] labels = new int[n];
        byte[] lb = lbl.data();
        for (int i = 0; i < n; i++) {
            labels[i] = lb[i] & 0xff;
            if (labels[i] > 9) {
                throw new IOException("IDX file " + lblFile + ": label " + labels[i] + " at index " + i + " is not in 0..9");
            }
        }
        return new Dataset(images, labels, n);
    }

    /** Converts the first {@code count} unsigned bytes to floats in [-1, 1] ({@code v / 127.5 - 1}). */
    public static float[] toSignedUnit(byte[] u8, int count) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) out[i] = (float) ((u8[i] & 0xff) / 127.5 - 1.0);
        return out;
    }

    /** Returns the path of {@code base.gz} or {@code base} in {@code dir} (gz preferred), or null. */
    static Path find(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.isRegularFile(gz)) return gz;
        Path plain = dir.resolve(base);
        if (Files.isRegularFile(plain)) return plain;
        return null;
    }

    private static String missingMessage(Path dir, boolean explicit, List<String> missing) {
        StringBuilder sb = new StringBuilder();
        sb.append("Fashion-MNIST not found in ").append(dir)
            .append(explicit ? " (given with --data)" : " (default location)")
            .append(": missing ").append(String.join(", ", missing)).append(".\n")
            .append("Fix: install it with `apt-get install dataset-fashion-mnist` (files go to ")
            .append(DEFAULT_DIR).append("),\n")
            .append("or pass --data DIR where DIR contains train-images-idx3-ubyte, train-labels-idx1-ubyte,\n")
            .append("t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each may also be gzipped with a .gz suffix).");
        return sb.toString();
    }
}
