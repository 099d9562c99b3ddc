package tangent.nn.layers;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;

class LayersTest {
    final Rng rng = new Rng(21);

    @Test
    void linearComputesXWtPlusBAndUsesFanInInit() {
        Linear l = new Linear(3, 2, DType.F64, new Rng(1));
        assertArrayEquals(new int[] {2, 3}, l.weight().shape());
        double[] w = l.weight().toDoubleArray(), b = l.bias().toDoubleArray();
        for (double v : w) assertTrue(Math.abs(v) <= 1 / Math.sqrt(3));
        for (double v : b) assertTrue(Math.abs(v) <= 1 / Math.sqrt(3));
        // weight drawn first, then bias, from the same stream
        Rng r = new Rng(1);
        assertArrayEquals(r.uniformArray(6, -1 / Math.sqrt(3), 1 / Math.sqrt(3)), w, 0);
        assertArrayEquals(r.uniformArray(2, -1 / Math.sqrt(3), 1 / Math.sqrt(3)), b, 0);
        double[] x = {1, 2, 3, -1, 0, 0.5};
        double[] y = l.forward(Tensor.of(x, 2, 3)).toDoubleArray();
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 2; o++) {
                double s = b[o];
                for (int i = 0; i < 3; i++) s += x[n * 3 + i] * w[o * 3 + i];
                assertEquals(s, y[n * 2 + o], 1e-14);
            }
        Linear z = Linear.zeros(4, 1, DType.F32);
        assertArrayEquals(new float[4], z.weight().toFloatArray());
        assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(l.namedParameters().keySet()));
    }

    @Test
    void conv2dIsOihwWithFanInInitAndStride() {
        Conv2d c = new Conv2d(4, 6, 3, 2, 1, DType.F32, new Rng(2));
        assertArrayEquals(new int[] {6, 4, 3, 3}, c.weight().shape());
        double bound = 1 / Math.sqrt(36);
        for (float v : c.weight().toFloatArray()) assertTrue(Math.abs(v) <= bound);
        assertArrayEquals(new int[] {2, 6, 4, 4}, c.forward(Tensor.zeros(DType.F32, 2, 4, 7, 7)).shape());
        // zero input: output = bias
        float[] y = c.forward(Tensor.zeros(DType.F32, 1, 4, 3, 3)).toFloatArray();
        assertEquals(c.bias().toFloatArray()[5], y[5 * 4], 0f);
    }

    @Test
    void groupNormUsesSpecGroupsAndNormalizes() {
        assertEquals(2, GroupNorm.specGroups(8));
        assertEquals(8, GroupNorm.specGroups(32));
        assertEquals(24, GroupNorm.specGroups(96));
        assertEquals(32, GroupNorm.specGroups(128));
        assertEquals(32, GroupNorm.specGroups(384));
        GroupNorm g = GroupNorm.forChannels(8, DType.F64);
        assertEquals(1e-5, g.eps);
        Tensor x = rng.normal(DType.F64, 2, 8, 3, 3).mul(3).add(1);
        double[] y = g.forward(x).toDoubleArray();
        for (int b = 0; b < 2; b++)
            for (int grp = 0; grp < 2; grp++) {
                double s = 0, s2 = 0;
                for (int i = 0; i < 36; i++) {
                    double v = y[b * 72 + grp * 36 + i];
                    s += v;
                    s2 += v * v;
                }
                assertEquals(0, s / 36, 1e-12);
                assertEquals(1, s2 / 36, 1e-4); // eps 1e-5 over variance ~9
            }
    }

    @Test
    void pixelNormHasUnitMeanSquare() {
        double[] y = new PixelNorm().forward(Tensor.of(new double[] {3, 4, 0, 1e-3}, 2, 2)).toDoubleArray();
        assertEquals(1, (y[0] * y[0] + y[1] * y[1]) / 2, 1e-8);
        assertEquals(3 / Math.sqrt(12.5 + 1e-8), y[0], 1e-15);
    }

    @Test
    void positionalEmbeddingFollowsTheSpecFormula() {
        PositionalEmbedding p = new PositionalEmbedding(8);
        double[] t = {0.0, 0.7, 1.5};
        double[] e = p.forward(Tensor.of(t, 3)).toDoubleArray();
        for (int b = 0; b < 3; b++)
            for (int i = 0; i < 4; i++) {
                double ang = t[b] * Math.pow(1.0 / 10000, i / 4.0);
                assertEquals(Math.cos(ang), e[b * 8 + i], 1e-15);
                assertEquals(Math.sin(ang), e[b * 8 + 4 + i], 1e-15);
            }
        assertEquals(DType.F32, p.forward(Tensor.of(new float[] {0.5f}, 1)).dtype());
        assertThrows(IllegalArgumentException.class, () -> new PositionalEmbedding(7));
    }

    @Test
    void timeEmbeddingIsMlpOfPositionalEmbedding() {
        TimeEmbedding te = new TimeEmbedding(8, 32, DType.F64, new Rng(4));
        Tensor t = Tensor.of(new double[] {0.2, 1.0}, 2);
        Tensor ref = te.fc1.forward(te.fc0.forward(new PositionalEmbedding(8).forward(t)).silu()).silu();
        assertArrayEquals(ref.toDoubleArray(), te.forward(t).toDoubleArray(), 0);
        assertArrayEquals(new int[] {2, 32}, te.forward(t).shape());
    }

    @Test
    void dropoutDrawsMasksInTrainingOnlyAndCanReplayThem() {
        Rng r = new Rng(5);
        Dropout d = new Dropout(0.5, r);
        Tensor x = Tensor.ones(DType.F64, 1000);
        d.train(false);
        assertSame(x, d.forward(x));
        assertEquals(0, r.counter());
        d.train(true);
        double[] y1 = d.forward(x).toDoubleArray();
        int kept = 0;
        for (double v : y1) {
            assertTrue(v == 0 || v == 2.0);
            if (v != 0) kept++;
        }
        assertTrue(kept > 400 && kept < 600, "kept " + kept);
        double[] y2 = d.forward(x).toDoubleArray();
        assertFalse(java.util.Arrays.equals(y1, y2), "a fresh mask each forward");
        d.freeze(true);
        assertArrayEquals(y2, d.forward(x).toDoubleArray(), 0);
        d.freeze(false);
        Tensor mask = Tensor.zeros(DType.F64, 1000);
        d.setMask(mask);
        assertArrayEquals(new double[1000], d.forward(x).toDoubleArray(), 0);
        assertSame(mask, d.lastMask());
        assertSame(x, new Dropout(0.0, null).forward(x));
        assertThrows(IllegalStateException.class, () -> new Dropout(0.1, null).forward(x));
    }

    @Test
    void sequentialNamesChildrenByIndex() {
        Sequential s = new Sequential(new Linear(2, 4, DType.F64, rng), new SiLU(), new Linear(4, 1, DType.F64, rng));
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"), java.util.List.copyOf(s.namedParameters().keySet()));
        Tensor x = rng.normal(DType.F64, 3, 2);
        Linear a = (Linear) s.layers().get(0), b = (Linear) s.layers().get(2);
        assertArrayEquals(b.forward(a.forward(x).silu()).toDoubleArray(), s.forward(x).toDoubleArray(), 0);
    }

    @Test
    void selfAttentionMatchesLoopReference() {
        int c = 8, h = 2, w = 3, n = h * w;
        SelfAttention sa = new SelfAttention(c, DType.F64, new Rng(6));
        Tensor x = rng.normal(DType.F64, 2, c, h, w);
        double[] y = sa.forward(x).toDoubleArray();
        double[] qkv;
        try (var g = GradMode.noGrad()) {
            qkv = sa.qkv.forward(sa.norm.forward(x)).toDoubleArray(); // (2, 3c, h, w)
        }
        double[] a = new double[2 * c * n];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < n; i++) {
                double[] s = new double[n];
                double mx = -1e300, z = 0;
                for (int j = 0; j < n; j++) {
                    for (int k = 0; k < c; k++) s[j] += qkv[(b * 3 * c + k) * n + i] * qkv[(b * 3 * c + c + k) * n + j];
                    s[j] /= Math.sqrt(c);
                    mx = Math.max(mx, s[j]);
                }
                for (int j = 0; j < n; j++) z += s[j] = Math.exp(s[j] - mx);
                for (int k = 0; k < c; k++) {
                    double v = 0;
                    for (int j = 0; j < n; j++) v += s[j] / z * qkv[(b * 3 * c + 2 * c + k) * n + j];
                    a[(b * c + k) * n + i] = v;
                }
            }
        double[] ref = x.add(sa.proj.forward(Tensor.of(a, 2, c, h, w))).div(Math.sqrt(2)).toDoubleArray();
        assertArrayEquals(ref, y, 1e-12);
        assertEquals(java.util.List.of("norm.weight", "norm.bias", "qkv.weight", "qkv.bias", "proj.weight", "proj.bias"),
                java.util.List.copyOf(sa.namedParameters().keySet()));
    }

    @Test
    void resBlockMatchesSpecFormula() {
        Rng r = new Rng(8);
        ResBlock rb = new ResBlock(8, 16, 12, false, 0, DType.F64, r, null);
        Tensor x = rng.normal(DType.F64, 2, 8, 4, 4), e = rng.normal(DType.F64, 2, 12);
        Tensor h = rb.conv0.forward(rb.norm0.forward(x).silu());
        Tensor[] sb = F.split(rb.affine.forward(e), 1, 16, 16);
        h = F.pixelNorm(sb[0], 1, 1e-8).reshape(2, 16, 1, 1).mul(rb.norm1.forward(h)).add(F.pixelNorm(sb[1], 1, 1e-8).reshape(2, 16, 1, 1));
        h = rb.conv1.forward(h.silu());
        Tensor ref = h.add(rb.skip.forward(x)).div(Math.sqrt(2));
        assertArrayEquals(ref.toDoubleArray(), rb.forward(x, e).toDoubleArray(), 1e-14);
        assertNull(new ResBlock(8, 8, 12, false, 0, DType.F64, r, null).skip);
    }
}
