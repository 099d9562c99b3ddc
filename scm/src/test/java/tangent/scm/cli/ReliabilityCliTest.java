package tangent.scm.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.nn.io.SafeTensors;
import tangent.scm.cli.MainCliTest.Run;
import tangent.scm.data.Idx;
import tangent.scm.io.Npy;
import tangent.scm.train.Checkpoint;

/**
 * The command line as a hostile user drives it (issue 11): nothing lost (a finished run, the
 * checkpoint given to sample, the last good weights after a divergence, a run in progress), nothing
 * silent (NaN options and weights refused), and every refusal one line naming the option or file.
 */
class ReliabilityCliTest {
    @TempDir Path dir;

    static Run run(String... args) {
        return MainCliTest.run(args);
    }

    /** rc 1, one line on stderr, no stack trace, containing every part. */
    static void assertRefused(Run r, String... parts) {
        assertEquals(1, r.rc(), "expected a refusal; out: " + r.out() + " err: " + r.err());
        String e = r.err().strip();
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertFalse(e.contains("\tat ") || e.contains("Exception"), e);
        for (String p : parts) assertTrue(e.contains(p), "'" + p + "' missing in: " + e);
    }

    Path train(String out, String... extra) {
        String[] base = {"train", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--out", dir.resolve(out).toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        Run r = run(args);
        assertEquals(0, r.rc(), r.err());
        return dir.resolve(out).resolve(Checkpoint.FILE);
    }

    /** A copy of a checkpoint with its tensors and metadata edited. */
    static Path edit(Path src, Path dst, Consumer<Map<String, SafeTensors.Entry>> tensors, Consumer<Map<String, String>> meta)
            throws Exception {
        SafeTensors.Loaded l = SafeTensors.read(src);
        Map<String, SafeTensors.Entry> ts = new LinkedHashMap<>(l.tensors());
        Map<String, String> m = new LinkedHashMap<>(l.metadata());
        tensors.accept(ts);
        meta.accept(m);
        Files.createDirectories(dst.getParent());
        SafeTensors.write(dst, ts, m);
        return dst;
    }

    static void poison(Map<String, SafeTensors.Entry> ts, String prefix) {
        String name = ts.keySet().stream().filter(k -> k.startsWith(prefix)).findFirst().orElseThrow();
        SafeTensors.Entry e = ts.get(name);
        float[] v = e.asFloats();
        v[v.length / 2] = Float.NaN;
        ts.put(name, SafeTensors.Entry.f32(v, e.shape()));
    }

    // ---- data loss -----------------------------------------------------------------------------

    @Test
    void aFinishedRunIsNotReplacedWithoutForce() throws Exception {
        Path ck = train("r");
        byte[] before = Files.readAllBytes(ck);
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--out", ck.getParent().toString()),
                "--resume", "--force", ck.getParent().toString());
        assertArrayEquals(before, Files.readAllBytes(ck), "the finished run's checkpoint is untouched");
        train("r", "--force", "--seed", "5");
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(ck)), "--force starts over");
        Run resumed = run("train", "--dataset", "two_moons", "--steps", "3", "--batch", "8", "--out", ck.getParent().toString(), "--resume");
        assertEquals(0, resumed.rc(), resumed.err());
        assertEquals("3", SafeTensors.read(ck).metadata().get("step"));
    }

    @Test
    void twoTrainingsOnOneOutCannotBothRunAndADeadHoldersLockIsNoObstacle() throws Exception {
        Path out = dir.resolve("locked");
        Files.createDirectories(out);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", r.readLine());
            assertRefused(run("train", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--out", out.toString()),
                    "in use by another training", "pid " + p.pid());
            assertFalse(Files.exists(out.resolve(Checkpoint.FILE)));
        } finally {
            p.destroyForcibly();   // kill -9: the OS drops its lock, the lock file stays
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.exists(out.resolve(".lock")));
        train("locked");
    }

    @Test
    void sampleWritesOnlyNpyOrPngAndNeverOverACheckpoint() throws Exception {
        Path ck = train("r");
        byte[] before = Files.readAllBytes(ck);
        assertRefused(run("sample", "--checkpoint", ck.toString(), "--out", ck.toString()), "--out", ck.toString());
        Path copy = dir.resolve("ck.npy");
        Files.copy(ck, copy);
        assertRefused(run("sample", "--checkpoint", ck.toString(), "--out", copy.toString()), "exists and is not a .npy file");
        assertRefused(run("sample", "--checkpoint", ck.toString(), "--out", dir.resolve("x.txt").toString()), ".npy or .png");
        assertRefused(run("sample", "--checkpoint", ck.toString(), "--out", dir.toString()), ".npy or .png");
        Files.createDirectories(dir.resolve("d.npy"));
        assertRefused(run("sample", "--checkpoint", ck.toString(), "--out", dir.resolve("d.npy").toString()), "is a directory");
        assertArrayEquals(before, Files.readAllBytes(ck));
        assertArrayEquals(before, Files.readAllBytes(copy));
        assertFalse(Files.exists(dir.resolve("x.txt")));
        // a sample file may be replaced
        Path s = dir.resolve("s.npy");
        assertEquals(0, run("sample", "--checkpoint", ck.toString(), "-n", "3", "--out", s.toString()).rc());
        Run again = run("sample", "--checkpoint", ck.toString(), "-n", "5", "--out", s.toString());
        assertEquals(0, again.rc(), again.err());
        assertArrayEquals(new int[] {5, 2}, Npy.read(s).shape());
    }

    @Test
    void afterADivergenceTheKeptCheckpointIsTheLastGoodOneAndResumes() throws Exception {
        Path ck = dir.resolve("r").resolve(Checkpoint.FILE);
        assertEquals(0, run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--out", ck.getParent().toString()).rc());
        Run blown = run("train", "--dataset", "two_moons", "--steps", "12", "--batch", "8", "--every", "1", "--lr", "1e38",
                "--resume", "--out", ck.getParent().toString());
        assertRefused(blown, "training stopped", ck.toString());
        long kept = Long.parseLong(SafeTensors.read(ck).metadata().get("step"));
        assertTrue(kept >= 4 && kept < 12, "kept step " + kept);
        // the kept weights are finite: sample and resume accept them
        Run s = run("sample", "--checkpoint", ck.toString(), "-n", "4", "--out", dir.resolve("s.npy").toString());
        assertEquals(0, s.rc(), s.err());
        for (float v : Npy.read(dir.resolve("s.npy")).data()) assertTrue(Float.isFinite(v));
        Run resumed = run("train", "--dataset", "two_moons", "--steps", "6", "--batch", "8", "--resume", "--out", ck.getParent().toString());
        assertEquals(0, resumed.rc(), resumed.err());
    }

    // ---- silent NaN ----------------------------------------------------------------------------

    @Test
    void nonFiniteOptionsAreRefused() {
        String[][] cases = {
                {"--ema", "NaN"}, {"--ema", "1"}, {"--lr", "NaN"}, {"--lr", "Infinity"}, {"--warmup", "NaN"},
                {"--sigma-d", "NaN"}, {"--sigma-d", "Infinity"}, {"--p-mean", "NaN"}, {"--p-std", "Infinity"}, {"--every", "-1"},
                {"--t-mid", "NaN"}, {"--t-mid", "2"}, {"--reference", "-1"}, {"--threads", "0"}};
        for (String[] c : cases) {
            Path out = dir.resolve("o" + c[0] + c[1]);
            assertRefused(run("train", "--dataset", "two_moons", "--steps", "2", c[0], c[1], "--out", out.toString()), c[0]);
            assertFalse(Files.exists(out), "nothing created for " + String.join(" ", c));
        }
    }

    @Test
    void referencesAreRefusedWhereTheyDoNotApply() {
        String[][] cases = {{"--dataset", "two_moons", "--conditional"}, {"--dataset", "two_moons", "--method", "scd"}, {"--dataset", "fmnist"}};
        for (String[] c : cases) {
            Path out = dir.resolve("r" + c[c.length - 1]);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--steps", "2", "--reference", "8"));
            args.addAll(java.util.List.of(c));
            args.addAll(java.util.List.of("--out", out.toString()));
            assertRefused(run(args.toArray(String[]::new)), "--reference");
            assertFalse(Files.exists(out), "nothing created for " + String.join(" ", c));
        }
    }

    @Test
    void nonFiniteWeightsAreRefusedAtLoadNamingTheTensor() throws Exception {
        Path ck = train("r");
        Path emaNan = edit(ck, dir.resolve("nan/checkpoint.safetensors"), ts -> poison(ts, "ema."), m -> {});
        assertRefused(run("sample", "--checkpoint", emaNan.toString(), "--out", dir.resolve("s.npy").toString()), "tensor 'ema.", "NaN");
        assertFalse(Files.exists(dir.resolve("s.npy")));
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--resume", "--out", emaNan.getParent().toString()),
                "tensor 'ema.", "NaN");
        Path netNan = edit(ck, dir.resolve("nan2/checkpoint.safetensors"), ts -> poison(ts, "net."), m -> {});
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--resume", "--out", netNan.getParent().toString()),
                "tensor 'net.", "NaN");
        Path teacher = train("t", "--method", "teacher");
        Path teacherNan = edit(teacher, dir.resolve("tnan.safetensors"), ts -> poison(ts, "ema."), m -> {});
        assertRefused(run("train", "--method", "scd", "--dataset", "two_moons", "--steps", "2", "--teacher", teacherNan.toString(),
                "--out", dir.resolve("scd").toString()), "--teacher", "NaN");
        assertRefused(run("eval", "--checkpoint", emaNan.toString(), "-n", "10", "--data", fakeFashion(false).toString()), "NaN");
    }

    // ---- stack traces become messages ----------------------------------------------------------

    /** A Fashion-MNIST directory of 10 images per split; truncated: its training images' gzip is cut short. */
    Path fakeFashion(boolean truncated) throws Exception {
        Path d = dir.resolve(truncated ? "fm-cut" : "fm");
        Files.createDirectories(d);
        byte[] img = new byte[10 * 784], lbl = new byte[10];
        Idx.write(d.resolve("train-images-idx3-ubyte.gz"), new int[] {10, 28, 28}, img, true);
        Idx.write(d.resolve("train-labels-idx1-ubyte.gz"), new int[] {10}, lbl, true);
        Idx.write(d.resolve("t10k-images-idx3-ubyte.gz"), new int[] {10, 28, 28}, img, true);
        Idx.write(d.resolve("t10k-labels-idx1-ubyte.gz"), new int[] {10}, lbl, true);
        if (truncated) {
            Path f = d.resolve("train-images-idx3-ubyte.gz");
            byte[] b = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
        }
        return d;
    }

    @Test
    void hugeSizesAndBrokenDataAreOneLineMessages() throws Exception {
        assertRefused(run("train", "--method", "classifier", "--data", fakeFashion(true).toString(), "--steps", "1",
                "--out", dir.resolve("cls").toString()), "train-images-idx3-ubyte.gz", "truncated");
        assertRefused(run("train", "--dataset", "two_moons", "--batch", "1000000000", "--out", dir.resolve("b").toString()),
                "--batch 1000000000", "needs at least");
        assertRefused(run("train", "--dataset", "fmnist", "--batch", "1000000000", "--out", dir.resolve("b2").toString()),
                "--batch 1000000000", "elements");
        assertFalse(Files.exists(dir.resolve("b")) || Files.exists(dir.resolve("b2")));
        Path ck = train("r");
        assertRefused(run("eval", "--checkpoint", ck.toString(), "-n", "1000000000"), "-n 1000000000", "needs");
        Path teacher = train("t", "--method", "teacher");
        assertRefused(run("sample", "--checkpoint", teacher.toString(), "--steps", "2000000000", "--out", dir.resolve("s.npy").toString()),
                "--steps 2000000000", "ODE steps");
        assertRefused(run("sample", "--checkpoint", ck.toString(), "-n", "1000000000", "--out", dir.resolve("s.png").toString()),
                "a .png holds at most");
    }

    @Test
    void sampleRunsInChunksWithAProgressLine() throws Exception {
        Path ck = train("r");
        Path s = dir.resolve("many.npy");
        Run r = run("sample", "--checkpoint", ck.toString(), "-n", "1100", "--sampler", "1", "--out", s.toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("1100/1100"), r.out());
        Npy.NpyArray a = Npy.read(s);
        assertArrayEquals(new int[] {1100, 2}, a.shape());
        // chunked sampling is one Rng stream: the first 250 equal a 250-sample draw
        Run small = run("sample", "--checkpoint", ck.toString(), "-n", "250", "--sampler", "1", "--out", dir.resolve("few.npy").toString());
        assertEquals(0, small.rc());
        float[] few = Npy.read(dir.resolve("few.npy")).data();
        assertArrayEquals(few, java.util.Arrays.copyOf(a.data(), few.length));
    }

    @Test
    void messagesNameTheFileOrOptionAndWhatToDo() throws Exception {
        assertRefused(run("sample", "--checkpoint", dir.resolve("nope.safetensors").toString(), "--out", dir.resolve("s.npy").toString()),
                "--checkpoint", "nope.safetensors", "no such file");
        assertRefused(run("sample", "--checkpoint", dir.toString(), "--out", dir.resolve("s.npy").toString()), "--checkpoint", "not a file");
        Path file = Files.writeString(dir.resolve("existing_file.png"), "x");
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "1", "--out", file.toString()), "--out", "not a directory");
        Path roDir = dir.resolve("ro");
        Files.createDirectories(roDir);
        Path blocker = Files.writeString(roDir.resolve("f"), "x");
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "1", "--out", blocker.resolve("sub").toString()), blocker.toString());
        Path cm = dir.resolve("cm");
        assertRefused(run("train", "--model", "cifar-m", "--dataset", "fmnist", "--out", cm.toString()), "--model cifar-m", "fmnist-xs");
        assertFalse(Files.exists(cm));
        Path bad = dir.resolve("bad.safetensors");
        byte[] h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"x\":\"1\"},\"b\":1e99999999999}"
                .getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(8 + h.length + 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putLong(h.length).put(h);
        Files.write(bad, bb.array());
        assertRefused(run("sample", "--checkpoint", bad.toString(), "--out", dir.resolve("s.npy").toString()), bad.toString(), "out of range");
    }

    // ---- smaller gaps --------------------------------------------------------------------------

    @Test
    void checkpointsAreCheckedStrictlyAndTheirTextEscaped() throws Exception {
        Path ck = train("r");
        Path neg = edit(ck, dir.resolve("neg/checkpoint.safetensors"),
                ts -> ts.put("state.step", SafeTensors.Entry.i64(new long[] {-7}, 1)), m -> m.put("step", "-7"));
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--resume", "--out", neg.getParent().toString()),
                "state.step", "-7");
        assertRefused(run("sample", "--checkpoint", neg.toString(), "--out", dir.resolve("s.npy").toString()), "-7");
        Path extra = edit(ck, dir.resolve("extra/checkpoint.safetensors"),
                ts -> ts.put("foo", SafeTensors.Entry.f32(new float[] {1}, 1)), m -> {});
        assertRefused(run("sample", "--checkpoint", extra.toString(), "--out", dir.resolve("s.npy").toString()), "unexpected tensor 'foo'");
        assertRefused(run("train", "--dataset", "two_moons", "--steps", "4", "--batch", "8", "--resume", "--out", extra.getParent().toString()),
                "unexpected tensor 'foo'");
        Path esc = edit(ck, dir.resolve("esc.safetensors"), ts -> {}, m -> m.put(Checkpoint.MODEL, "mlp\u001b[31m\u0007"));
        Run r = run("sample", "--checkpoint", esc.toString(), "--out", dir.resolve("s.npy").toString());
        assertRefused(r, "unknown model", "\\u001b[31m\\u0007");
        assertFalse(r.err().contains("\u001b") || r.err().contains("\u0007"), r.err());
    }

    @Test
    void aTeacherMustBeATeacherWithTheRunsSigmaD() throws Exception {
        Path sct = train("sct");
        assertRefused(run("train", "--method", "scd", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--teacher", sct.toString(),
                "--out", dir.resolve("scd").toString()), "--teacher", "a sct checkpoint", "--method teacher");
        Path teacher = train("t", "--method", "teacher", "--sigma-d", "0.7");
        assertEquals("0.7", SafeTensors.read(teacher).metadata().get(Checkpoint.SIGMA_D));
        assertEquals(0.7, Checkpoint.loadEma(teacher).trigFlow().sigmaD);
        assertRefused(run("train", "--method", "scd", "--dataset", "two_moons", "--steps", "2", "--batch", "8", "--teacher", teacher.toString(),
                "--out", dir.resolve("scd2").toString()), "sigma_d 0.7", "--sigma-d 0.5");
        train("scd3", "--method", "scd", "--teacher", teacher.toString(), "--sigma-d", "0.7");
    }

    @Test
    void aTemporaryFileLeftByAKilledWriteIsCleaned() throws Exception {
        Path ck = train("r");
        Path tmp = Files.writeString(ck.getParent().resolve(".checkpoint.safetensors.tmp-1234abcd"), "partial");
        Run r = run("train", "--dataset", "two_moons", "--steps", "3", "--batch", "8", "--resume", "--out", ck.getParent().toString());
        assertEquals(0, r.rc(), r.err());
        assertFalse(Files.exists(tmp));
        assertTrue(r.out().contains("removed 1 temporary file"), r.out());
    }
}
