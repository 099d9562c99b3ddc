package tangent.scm.eval;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tangent.scm.cli.Main;

/** Runs {@code scm eval} in-process against a tiny synthetic dataset (--data) and the committed classifier. */
class EvalCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();   // with its one-line error messages
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "eval";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void samplesNpyPrintsFloorAndFdLast() throws Exception {
        Path data = TinyFashion.write(tmp.resolve("fm"), 300, 200);
        byte[] u8 = TinyFashion.images(64, TinyFashion.labels(64), 7);
        float[] f = new float[u8.length];
        for (int i = 0; i < u8.length; i++) f[i] = (u8[i] & 0xff) / 127.5f - 1;
        Path samples = tmp.resolve("samples.npy");
        TinyFashion.writeNpy(samples, "<f4", TinyFashion.f32(f), 64, 1, 28, 28);

        Run r = run("--samples", samples.toString(), "--data", data.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertTrue(Pattern.matches("FD: [0-9]+(\\.[0-9]+)?", lines[lines.length - 1]), r.out());
        assertTrue(r.out().contains("floor (300 real training images vs test set): "), r.out());
        double fd = Double.parseDouble(lines[lines.length - 1].substring(4));
        assertTrue(fd >= 0 && Double.isFinite(fd));

        // same images as uint8 give the same FD
        Path u8file = tmp.resolve("samples-u8.npy");
        TinyFashion.writeNpy(u8file, "|u1", u8, 64, 28, 28);
        Run r2 = run("--samples", u8file.toString(), "--data", data.toString(), "--no-floor");
        assertEquals(0, r2.code(), r2.err());
        assertTrue(r2.out().strip().endsWith(lines[lines.length - 1]), r2.out());
        assertFalse(r2.out().contains("floor"));
    }

    @Test
    void checkpointOfAnUntrainedModelIsScored() throws Exception {
        Path data = TinyFashion.write(tmp.resolve("fm"), 300, 200);
        tangent.nn.Module m = tangent.scm.models.Models.create("fmnist-xs", tangent.core.DType.F32, 3);
        java.util.Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put(tangent.scm.train.Checkpoint.MODEL, "fmnist-xs");
        meta.put(tangent.scm.train.Checkpoint.METHOD, "sct");
        Path ck = tmp.resolve("checkpoint.safetensors");
        tangent.scm.train.Checkpoint.save(ck, new tangent.scm.train.Checkpoint.TrainState(m, new tangent.nn.AdaptiveWeight(tangent.core.DType.F32)),
                null, tangent.nn.optim.Ema.fixed(m, 0.999), 0, null, null, meta);
        // scm sample clamps images to [-1, 1] as eval does: a network with shifted weights overshoots
        tangent.nn.Module big = tangent.scm.models.Models.create("fmnist-xs", tangent.core.DType.F32, 4);
        try (var g = tangent.core.GradMode.noGrad()) {
            for (tangent.core.Tensor p : big.parameters()) p.copyFrom(p.add(0.5));
        }
        Path ck2 = tmp.resolve("big.safetensors");
        tangent.scm.train.Checkpoint.save(ck2, new tangent.scm.train.Checkpoint.TrainState(big, new tangent.nn.AdaptiveWeight(tangent.core.DType.F32)),
                null, tangent.nn.optim.Ema.fixed(big, 0.999), 0, null, null, meta);
        float[] x = tangent.scm.train.Checkpoint.sample(ck2, 1, 2, 0).toFloatArray();
        long atEdge = 0;
        for (float v : x) {
            assertTrue(v >= -1 && v <= 1, "sample " + v);
            if (Math.abs(v) == 1f) atEdge++;
        }
        assertTrue(atEdge > 0, "the shifted network should overshoot [-1, 1] somewhere");
        for (String k : new String[] {"1", "2"}) {
            Run r = run("--checkpoint", ck.toString(), "--sampler", k, "-n", "12", "--data", data.toString(), "--no-floor");
            assertEquals(0, r.code(), r.err());
            String[] lines = r.out().strip().split("\\R");
            assertTrue(lines[lines.length - 1].matches("FD: [0-9.]+"), r.out());
            assertTrue(r.out().contains(k + "-step consistency"), r.out());
        }
        Run r = run("--checkpoint", ck.toString(), "--sampler", "3", "-n", "12", "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--sampler 1 or 2"), r.err());
    }

    @Test
    void usageErrors() throws Exception {
        Path data = TinyFashion.write(tmp.resolve("fm"), 20, 20);
        assertEquals(2, run().code());
        assertEquals(2, run("--samples", "a.npy", "--checkpoint", "b").code());
        Run r = run("--checkpoint", "b", "--sampler", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--sampler must be 1 or 2"), r.err());
        r = run("--checkpoint", "no-such-checkpoint.safetensors", "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no-such-checkpoint.safetensors") && r.err().contains("not found"), r.err());
    }

    @Test
    void badFileAndMissingDatasetAreClearErrors() throws Exception {
        Path data = TinyFashion.write(tmp.resolve("fm"), 20, 20);
        Path bad = tmp.resolve("bad.npy");
        TinyFashion.writeNpy(bad, "|u1", new byte[2 * 784], 2, 784);
        Run r = run("--samples", bad.toString(), "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad.toString()) && r.err().contains("shape"), r.err());

        Path ok = tmp.resolve("ok.npy");
        TinyFashion.writeNpy(ok, "|u1", new byte[2 * 784], 2, 28, 28);
        r = run("--samples", ok.toString(), "--data", tmp.resolve("nowhere").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("apt-get install dataset-fashion-mnist") && r.err().contains("nowhere"), r.err());
        assertFalse(r.out().contains("FD:"));
    }
}
