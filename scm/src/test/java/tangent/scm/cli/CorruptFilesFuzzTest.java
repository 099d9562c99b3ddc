package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.nn.AdaptiveWeight;
import tangent.nn.Module;
import tangent.nn.optim.Ema;
import tangent.nn.optim.RAdam;
import tangent.scm.data.Idx;
import tangent.scm.eval.SampleFiles;
import tangent.scm.io.Npy;
import tangent.scm.models.Models;
import tangent.scm.train.Checkpoint;

/**
 * Checkpoints, IDX files (plain and gzip) and .npy files corrupted at random offsets (seeded; a byte
 * flipped, a run overwritten, bytes inserted, or the file cut short; half the offsets inside the
 * header): each read either succeeds (the damage hit data that is still valid) or fails with an
 * IOException or IllegalArgumentException whose message, as the command line prints it, is one
 * line naming the file; the file is never changed. A few checkpoints also go through {@code scm sample}.
 */
class CorruptFilesFuzzTest {
    static final int PER_FORMAT = 40;

    @TempDir Path dir;

    interface Reader {
        void read(Path file) throws Exception;
    }

    static byte[] corrupt(byte[] b, SplittableRandom r, int headerBytes) {
        int at = r.nextBoolean() ? r.nextInt(Math.max(1, Math.min(headerBytes, b.length))) : r.nextInt(b.length);
        switch (r.nextInt(4)) {
            case 0 -> {
                byte[] c = b.clone();
                c[at] ^= (byte) (1 << r.nextInt(8));
                return c;
            }
            case 1 -> {
                byte[] c = b.clone();
                for (int i = at; i < Math.min(c.length, at + 1 + r.nextInt(16)); i++) c[i] = (byte) r.nextInt(256);
                return c;
            }
            case 2 -> {
                byte[] ins = new byte[1 + r.nextInt(8)];
                for (int i = 0; i < ins.length; i++) ins[i] = (byte) r.nextInt(256);
                byte[] c = new byte[b.length + ins.length];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(ins, 0, c, at, ins.length);
                System.arraycopy(b, at, c, at + ins.length, b.length - at);
                return c;
            }
            default -> {
                return Arrays.copyOf(b, at);
            }
        }
    }

    /** Returns how many corruptions were refused (the rest read as valid). */
    int fuzz(String name, byte[] good, int headerBytes, long seed, int count, Reader reader) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        int refused = 0;
        for (int k = 0; k < count; k++) {
            byte[] bad = corrupt(good, r, headerBytes);
            Path f = dir.resolve(k + "-" + name);
            Files.write(f, bad);
            try {
                reader.read(f);
            } catch (IOException | IllegalArgumentException e) {
                String msg = Errors.message(e);
                assertEquals(1, msg.lines().count(), "one line: " + msg);
                assertTrue(msg.contains(f.toString()), "names the file: " + msg);
                refused++;
            } catch (Throwable t) {
                throw new AssertionError(name + " corruption " + k + ": unexpected " + t, t);
            }
            assertArrayEquals(bad, Files.readAllBytes(f), "the file is unchanged");
        }
        return refused;
    }

    static int headerOf(byte[] safetensors) {
        long n = 0;
        for (int i = 7; i >= 0; i--) n = (n << 8) | (safetensors[i] & 0xff);
        return (int) (8 + n);
    }

    Path checkpoint() throws IOException {
        Module net = Models.create("mlp", DType.F32, 1);
        Checkpoint.TrainState s = new Checkpoint.TrainState(net, new AdaptiveWeight(DType.F32));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoint.MODEL, "mlp");
        meta.put(Checkpoint.DATASET, "two_moons");
        meta.put(Checkpoint.METHOD, "sct");
        Path f = dir.resolve("good.safetensors");
        Checkpoint.save(f, s, new RAdam(s.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false), Ema.fixed(net, 0.99), 3, new Rng(1),
                new double[] {1, 2, 3}, meta);
        return f;
    }

    @Test
    void corruptCheckpoints() throws Exception {
        byte[] good = Files.readAllBytes(checkpoint());
        int refused = fuzz("checkpoint.safetensors", good, headerOf(good), 11, PER_FORMAT / 2, Checkpoint::loadEma);
        assertTrue(refused >= PER_FORMAT / 8, "most header damage is refused: " + refused);
        SplittableRandom r = new SplittableRandom(12);
        for (int k = 0; k < 4; k++) {
            Path f = Files.write(dir.resolve("cli" + k + ".safetensors"), corrupt(good, r, headerOf(good)));
            byte[] before = Files.readAllBytes(f);
            MainCliTest.Run run = MainCliTest.run("sample", "--checkpoint", f.toString(), "-n", "3", "--out", dir.resolve("s" + k + ".npy").toString());
            if (run.rc() != 0) {
                ReliabilityCliTest.assertRefused(run, f.toString());
                assertFalse(Files.exists(dir.resolve("s" + k + ".npy")));
            }
            assertArrayEquals(before, Files.readAllBytes(f));
        }
    }

    @Test
    void corruptIdxFiles() throws Exception {
        byte[] img = new byte[6 * 28 * 28];
        new SplittableRandom(3).nextBytes(img);
        for (boolean gz : new boolean[] {false, true}) {
            Path f = dir.resolve("good-idx3-ubyte" + (gz ? ".gz" : ""));
            Idx.write(f, new int[] {6, 28, 28}, img, gz);
            int refused = fuzz("images-idx3-ubyte" + (gz ? ".gz" : ""), Files.readAllBytes(f), gz ? 20 : 16, gz ? 21 : 22, PER_FORMAT,
                    file -> Idx.read(file, 3));
            assertTrue(refused >= PER_FORMAT / 4, "refused " + refused);
        }
    }

    @Test
    void corruptNpyFiles() throws Exception {
        float[] v = new float[5 * 28 * 28];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < v.length; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        byte[] good = Npy.encodeFloat32(v, 5, 1, 28, 28);
        int refused = fuzz("samples.npy", good, Npy.headerFloat32(5, 1, 28, 28).length, 31, PER_FORMAT,
                SampleFiles::read);
        assertTrue(refused >= PER_FORMAT / 4, "refused " + refused);
    }
}
