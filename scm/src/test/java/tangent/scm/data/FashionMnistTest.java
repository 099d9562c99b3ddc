package tangent.scm.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir Path tmp;

    /** Writes a tiny synthetic Fashion-MNIST split; pixel j of image i = (i * 784 + j) % 256. */
    static void writeSplit(Path dir, String prefix, int n, boolean gz) throws IOException {
        byte[] img = new byte[n * 784];
        for (int i = 0; i < img.length; i++) img[i] = (byte) (i % 256);
        byte[] lbl = new byte[n];
        for (int i = 0; i < n; i++) lbl[i] = (byte) (i % 10);
        byte[] ri = IdxTest.idxBytes(0x803, new int[] {n, 28, 28}, img);
        byte[] rl = IdxTest.idxBytes(0x801, new int[] {n}, lbl);
        String sfx = gz ? ".gz" : "";
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + sfx), gz ? IdxTest.gzip(ri) : ri);
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + sfx), gz ? IdxTest.gzip(rl) : rl);
    }

    @Test
    void loadsSyntheticPlainAndGzipScaledToSignedUnit() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(tmp.resolve("d" + gz));
            writeSplit(dir, "train", 12, gz);
            writeSplit(dir, "t10k", 3, gz);
            assertEquals(dir, FashionMnist.resolveDir(dir));
            FashionMnist.Dataset tr = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
            assertEquals(12, tr.n());
            assertEquals(12 * 784, tr.images().length);
            assertEquals(-1f, tr.images()[0], 0f);          // 0   -> -1
            assertEquals(1f, tr.images()[255], 1e-7f);       // 255 -> 1
            assertEquals(51 / 127.5f - 1f, tr.images()[51], 1e-6f);
            assertEquals((784 + 5) % 256 / 127.5f - 1f, tr.images()[784 + 5], 1e-6f);
            assertEquals(11 % 10, tr.labels()[11]);
            FashionMnist.Dataset te = FashionMnist.load(dir, FashionMnist.Split.TEST, 2);
            assertEquals(2, te.n());
            assertEquals(2 * 784, te.images().length);
        }
    }

    @Test
    void missingDatasetSaysHowToInstallOrPoint() {
        Path empty = tmp.resolve("empty");
        IOException e = assertThrows(IOException.class, () -> FashionMnist.resolveDir(empty));
        String m = e.getMessage();
        assertTrue(m.contains("apt-get install dataset-fashion-mnist"), m);
        assertTrue(m.contains("--data DIR"), m);
        assertTrue(m.contains(empty.toString()), m);
        assertTrue(m.contains("train-images-idx3-ubyte") && m.contains("t10k-labels-idx1-ubyte"), m);
        assertFalse(FashionMnist.isAvailable(empty));
        IOException e2 = assertThrows(IOException.class, () -> FashionMnist.load(empty, FashionMnist.Split.TEST));
        assertTrue(e2.getMessage().contains("apt-get install dataset-fashion-mnist"), e2.getMessage());
    }

    @Test
    void mismatchedCountsAndBadLabelsAreErrors() throws IOException {
        writeSplit(tmp, "t10k", 4, false);
        Files.write(tmp.resolve("t10k-labels-idx1-ubyte"), IdxTest.idxBytes(0x801, new int[] {3}, new byte[3]));
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(tmp, FashionMnist.Split.TEST));
        assertTrue(e.getMessage().contains("4 images") && e.getMessage().contains("3 labels"), e.getMessage());
        Files.write(tmp.resolve("t10k-labels-idx1-ubyte"), IdxTest.idxBytes(0x801, new int[] {4}, new byte[] {0, 1, 10, 2}));
        IOException e2 = assertThrows(IOException.class, () -> FashionMnist.load(tmp, FashionMnist.Split.TEST));
        assertTrue(e2.getMessage().contains("label 10 at index 2"), e2.getMessage());
    }

    @Test
    void realInstalledDataset() throws IOException {
        boolean present = FashionMnist.isAvailable(null);
        if (!present) {
            System.out.println("SKIPPED FashionMnistTest.realInstalledDataset: no dataset in "
                + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist)");
        }
        Assumptions.assumeTrue(present, "Fashion-MNIST not installed in " + FashionMnist.DEFAULT_DIR);
        for (FashionMnist.Split s : FashionMnist.Split.values()) {
            FashionMnist.Dataset d = FashionMnist.load(null, s);
            int expectN = s == FashionMnist.Split.TRAIN ? 60000 : 10000;
            assertEquals(expectN, d.n(), s.toString());
            int[] counts = new int[10];
            for (int l : d.labels()) counts[l]++;
            for (int c = 0; c < 10; c++) assertEquals(expectN / 10, counts[c], s + " class " + c); // balanced
            double sum = 0;
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (float v : d.images()) {
                sum += v;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertEquals(-1f, min);
            assertEquals(1f, max);
            double mean = sum / d.images().length; // Fashion-MNIST mean pixel ~0.286 -> ~-0.43 in [-1, 1]
            assertTrue(mean > -0.5 && mean < -0.35, "mean " + mean);
        }
    }
}
