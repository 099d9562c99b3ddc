package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.io.SafeTensors;
import tangent.nn.optim.ClipGrad;
import tangent.nn.optim.Ema;
import tangent.nn.optim.RAdam;

class CheckpointIOTest {
    @TempDir Path dir;

    static final UNetConfig TINY = new UNetConfig(1, 8, 8, new int[] {1, 2}, 1, 0.1);

    /** A training run: model, optimizer, EMA, data Rng. */
    static final class Run {
        final UNet net;
        final RAdam opt;
        final Ema ema;
        Rng data;
        long step;

        Run(long seed) {
            net = new UNet(TINY, DType.F32, seed);
            net.train(true);
            opt = new RAdam(net.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false);
            ema = Ema.powerFromStd(net, 0.1);
            data = new Rng(1234);
        }

        void train(int n) {
            for (int i = 0; i < n; i++) {
                Tensor x = data.normal(DType.F32, 4, 1, 8, 8);
                Tensor t = data.uniform(DType.F32, 0.1, 1.5, 4);
                Tensor target = data.normal(DType.F32, 4, 1, 8, 8);
                opt.zeroGrad();
                net.forward(x, t).sub(target).square().mean().backward();
                ClipGrad.clipGradNorm(net.parameters(), 1.0);
                opt.step();
                ema.update(net);
                step++;
            }
        }

        void save(Path f) throws IOException {
            CheckpointIO.save(f, net, opt, ema, step, Map.of("data", data, "dropout", net.dropoutRng()), Map.of("config", TINY.toString()));
        }

        void load(Path f) throws IOException {
            CheckpointIO.Restored r = CheckpointIO.load(f, net, opt, ema);
            step = r.step();
            data = r.rngs().get("data");
            net.setDropoutRng(r.rngs().get("dropout"));
        }

        List<float[]> everything() {
            List<float[]> out = new ArrayList<>();
            for (Tensor p : net.parameters()) out.add(p.toFloatArray());
            for (Tensor p : ema.shadow().values()) out.add(p.toFloatArray());
            for (var s : opt.state().values()) {
                out.add(s.m.toFloatArray());
                out.add(s.v.toFloatArray());
                out.add(new float[] {s.step});
            }
            out.add(new float[] {step, ema.updates(), data.counter(), net.dropoutRng().counter()});
            return out;
        }
    }

    static void assertSame(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) assertArrayEquals(a.get(i), b.get(i), 0f, "item " + i);
    }

    @Test
    void resumingIsBitExact() throws IOException {
        Run straight = new Run(5);
        straight.train(20);

        Run first = new Run(5);
        first.train(10);
        Path f = dir.resolve("ck.safetensors");
        first.save(f);
        Run resumed = new Run(99); // different init: everything must come from the file
        resumed.data = new Rng(1); // and a different data stream
        resumed.load(f);
        assertEquals(10, resumed.step);
        resumed.train(10);
        assertSame(straight.everything(), resumed.everything());
        // and the parameters really changed in training
        assertFalse(java.util.Arrays.equals(new Run(5).net.parameters().get(5).toFloatArray(), straight.net.parameters().get(5).toFloatArray()));
    }

    @Test
    void layoutAndMetadata() throws IOException {
        Run r = new Run(1);
        r.train(1);
        Path f = dir.resolve("a.safetensors");
        r.save(f);
        SafeTensors.Loaded l = SafeTensors.read(f);
        assertEquals(SafeTensors.ElementType.F32, l.tensor("down.0.conv0.weight").dtype());
        assertArrayEquals(new long[] {8, 8, 3, 3}, l.tensor("down.0.conv0.weight").shape());
        assertArrayEquals(new long[] {16, 32}, l.tensor("ema.down.0.affine.weight").shape()); // Linear(E = 32 -> 2 * 8)
        assertArrayEquals(new long[] {1}, l.tensor("opt.step.conv_in.bias").shape());
        assertEquals(1L, l.tensor("opt.step.conv_in.bias").asLongs()[0]);
        assertEquals("radam", l.metadata().get("optimizer"));
        assertEquals(CheckpointIO.FORMAT, l.metadata().get("format"));
        assertEquals("1", l.metadata().get("step"));
        assertArrayEquals(new long[] {1234, r.data.counter()}, l.tensor("rng.data").asLongs());
    }

    // ---- errors: clear message, model untouched ---------------------------------------------

    static List<float[]> params(Module m) {
        List<float[]> out = new ArrayList<>();
        for (Tensor p : m.parameters()) out.add(p.toFloatArray());
        return out;
    }

    Path saved() throws IOException {
        Run r = new Run(1);
        r.train(2);
        Path f = dir.resolve("good.safetensors");
        r.save(f);
        return f;
    }

    void assertRejected(Path f, Run target, String... fragments) {
        List<float[]> before = target.everything();
        IOException e = assertThrows(IOException.class, () -> target.load(f));
        for (String s : fragments) assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' lacks '" + s + "'");
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        assertSame(before, target.everything());
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path f = saved();
        byte[] b = Files.readAllBytes(f);
        Path g = dir.resolve("trunc.safetensors");
        Files.write(g, java.util.Arrays.copyOf(b, b.length - 100));
        assertRejected(g, new Run(3));
        Files.write(g, java.util.Arrays.copyOf(b, 5));
        assertRejected(g, new Run(3));
    }

    @Test
    void corruptHeaderIsRejected() throws IOException {
        Path f = saved();
        byte[] b = Files.readAllBytes(f);
        for (int i = 8; i < 40; i++) b[i] = '#';
        Path g = dir.resolve("corrupt.safetensors");
        Files.write(g, b);
        assertRejected(g, new Run(3));
    }

    @Test
    void shapeMismatchIsRejected() throws IOException {
        Path f = saved();
        // a wider network: same names, other shapes
        UNet wide = new UNet(new UNetConfig(1, 8, 16, new int[] {1, 2}, 1, 0.1), DType.F32, 3);
        List<float[]> before = params(wide);
        IOException e = assertThrows(IOException.class, () -> CheckpointIO.load(f, wide, null, null));
        assertTrue(e.getMessage().contains("'emb.fc0.weight' has shape [32, 8] but the model needs [64, 16]"), e.getMessage());
        assertSame(before, params(wide));
    }

    @Test
    void dtypeMismatchIsRejected() throws IOException {
        Path f = saved();
        UNet f64 = new UNet(TINY, DType.F64, 3);
        IOException e = assertThrows(IOException.class, () -> CheckpointIO.load(f, f64, null, null));
        assertTrue(e.getMessage().contains("'emb.fc0.weight' is F32 but the model needs F64"), e.getMessage());
    }

    @Test
    void missingAndUnexpectedTensorsAreRejected() throws IOException {
        MlpDenoiser three = new MlpDenoiser(2, 16, 3, DType.F32, 1), two = new MlpDenoiser(2, 16, 2, DType.F32, 2);
        Path f3 = dir.resolve("three.safetensors"), f2 = dir.resolve("two.safetensors");
        CheckpointIO.saveWeights(f3, three);
        CheckpointIO.saveWeights(f2, two);
        List<float[]> before = params(two);
        IOException e = assertThrows(IOException.class, () -> CheckpointIO.load(f3, two, null, null));
        assertTrue(e.getMessage().contains("unexpected tensor 'blocks.2.affine.bias' (F32 [32]): not a parameter of the model"), e.getMessage());
        assertSame(before, params(two));
        before = params(three);
        e = assertThrows(IOException.class, () -> CheckpointIO.load(f2, three, null, null));
        assertTrue(e.getMessage().contains("missing tensor 'blocks.2.norm0.weight'"), e.getMessage());
        assertSame(before, params(three));
        // weights-only file into a run that needs optimizer state
        Run r = new Run(1);
        Path w = dir.resolve("w.safetensors");
        CheckpointIO.saveWeights(w, r.net);
        assertRejected(w, r, "no optimizer state");
        // and the weights-only load works
        CheckpointIO.load(f2, new MlpDenoiser(2, 16, 2, DType.F32, 9), null, null);
    }

    @Test
    void weightsOnlyLoadIgnoresOptimizerAndEma() throws IOException {
        Path f = saved();
        UNet n = new UNet(TINY, DType.F32, 77);
        CheckpointIO.Restored r = CheckpointIO.load(f, n, null, null);
        assertEquals(2, r.step());
        Run src = new Run(1);
        src.train(2);
        assertSame(params(src.net), params(n));
    }

    // ---- several modules, extras, expected metadata, EMA weights alone -------------------------

    /** A network and a second trained module saved together, EMA over the network only (scm's trainer). */
    static final class Pair extends Module {
        final MlpDenoiser net;
        final AdaptiveWeight head;

        Pair(int width, long seed) {
            net = child("net", new MlpDenoiser(2, width, 2, DType.F32, seed));
            head = child("head", new AdaptiveWeight(DType.F32));
        }
    }

    static final Map<String, String> META = Map.of("run.kind", "toy");

    @Test
    void containerWithExtrasAndExpectedMetadata() throws IOException {
        Pair a = new Pair(16, 1);
        RAdam opt = new RAdam(a.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false);
        Ema ema = Ema.fixed(a.net, 0.9);
        for (Tensor p : a.parameters()) p.sum().backward();
        opt.step();
        ema.update(a.net);
        Path f = dir.resolve("pair.safetensors");
        CheckpointIO.save(f, a, opt, ema, 1, Map.of("data", new Rng(5, 6)), Map.of("losses", SafeTensors.Entry.f64(new double[] {0.5, 0.25}, 2)), META);
        assertEquals(SafeTensors.ElementType.F64, SafeTensors.read(f).tensor("extra.losses").dtype());

        Pair b = new Pair(16, 2);
        RAdam optB = new RAdam(b.namedParameters(), 1e-3, 0.9, 0.99, 1e-8, 0, false);
        Ema emaB = Ema.fixed(b.net, 0.9);
        Map<String, CheckpointIO.Spec> want = Map.of("losses", new CheckpointIO.Spec(SafeTensors.ElementType.F64, -1));
        // wrong metadata, a missing extra, a wrong extra dtype: rejected, b unchanged
        List<float[]> before = params(b);
        IOException e = assertThrows(IOException.class, () -> CheckpointIO.load(SafeTensors.read(f), b, optB, emaB, Map.of("run.kind", "image"), want));
        assertTrue(e.getMessage().contains(f + ": metadata 'run.kind' is 'toy' in the file but 'image' here"), e.getMessage());
        e = assertThrows(IOException.class,
                () -> CheckpointIO.load(SafeTensors.read(f), b, optB, emaB, META, Map.of("other", new CheckpointIO.Spec(SafeTensors.ElementType.F64, -1))));
        assertTrue(e.getMessage().contains("missing tensor 'extra.other'"), e.getMessage());
        e = assertThrows(IOException.class,
                () -> CheckpointIO.load(SafeTensors.read(f), b, optB, emaB, META, Map.of("losses", new CheckpointIO.Spec(SafeTensors.ElementType.F32, 2))));
        assertTrue(e.getMessage().contains("tensor 'extra.losses' is F64 [2], expected F32 [2]"), e.getMessage());
        // another width: the first mismatched tensor is named
        Pair wide = new Pair(32, 3);
        e = assertThrows(IOException.class, () -> CheckpointIO.load(SafeTensors.read(f), wide, null, null, META, want));
        assertTrue(e.getMessage().contains("tensor 'net.") && e.getMessage().contains("has shape"), e.getMessage());
        assertSame(before, params(b));

        CheckpointIO.Restored r = CheckpointIO.load(SafeTensors.read(f), b, optB, emaB, META, want);
        assertArrayEquals(new double[] {0.5, 0.25}, r.extras().get("losses").asDoubles());
        assertEquals(6, r.rngs().get("data").counter());
        assertSame(params(a), params(b));
        assertArrayEquals(ema.shadow().values().iterator().next().toFloatArray(), emaB.shadow().values().iterator().next().toFloatArray());
        assertEquals(1, optB.state().get("head.fc.weight").step);
        assertArrayEquals(opt.state().get("net.fc_in.weight").v.toFloatArray(), optB.state().get("net.fc_in.weight").v.toFloatArray());
        // the plain 4-argument load ignores extras
        CheckpointIO.load(f, new Pair(16, 4), null, null);
    }

    @Test
    void emaWeightsLoadIntoAFreshNetwork() throws IOException {
        Pair a = new Pair(16, 1);
        Ema ema = Ema.fixed(a.net, 0.5);
        for (Tensor p : a.net.parameters()) p.copyFrom(p.add(1));
        ema.update(a.net);
        Path f = dir.resolve("ema.safetensors");
        CheckpointIO.save(f, a, null, ema, 7, null, META);
        MlpDenoiser n = new MlpDenoiser(2, 16, 2, DType.F32, 9);
        CheckpointIO.Restored r = CheckpointIO.loadEmaWeights(SafeTensors.read(f), n, META);
        assertEquals(7, r.step());
        List<float[]> want = new ArrayList<>();
        for (Tensor t : ema.shadow().values()) want.add(t.toFloatArray());
        assertSame(want, params(n));
        // another width or depth: rejected, unchanged
        MlpDenoiser wide = new MlpDenoiser(2, 32, 2, DType.F32, 9), deep = new MlpDenoiser(2, 16, 3, DType.F32, 9),
                shallow = new MlpDenoiser(2, 16, 1, DType.F32, 9);
        for (MlpDenoiser m : List.of(wide, deep, shallow)) {
            List<float[]> before = params(m);
            IOException e = assertThrows(IOException.class, () -> CheckpointIO.loadEmaWeights(SafeTensors.read(f), m, null));
            assertTrue(e.getMessage().startsWith("checkpoint " + f + ": "), e.getMessage());
            assertTrue(e.getMessage().contains("tensor 'ema."), e.getMessage());
            assertSame(before, params(m));
        }
        // a file without EMA weights
        Path w = dir.resolve("w.safetensors");
        CheckpointIO.saveWeights(w, n);
        IOException e = assertThrows(IOException.class, () -> CheckpointIO.loadEmaWeights(SafeTensors.read(w), n, null));
        assertTrue(e.getMessage().contains("no EMA weights"), e.getMessage());
    }
}
