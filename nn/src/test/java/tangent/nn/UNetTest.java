package tangent.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;

class UNetTest {
    @Test
    void parameterCountsMatchSpec() {
        assertEquals(1_742_881L, UNetConfig.named("fmnist-xs").parameterCount());
        assertEquals(6_946_881L, UNetConfig.named("fmnist-s").parameterCount());
        assertEquals(27_742_851L, UNetConfig.named("cifar-m").parameterCount());
        assertEquals(1_742_881L, new UNet(UNetConfig.named("fmnist-xs"), 0).parameterCount());
        assertEquals(6_946_881L, new UNet(UNetConfig.named("fmnist-s"), 0).parameterCount());
        long t0 = System.nanoTime();
        UNet big = new UNet(UNetConfig.named("cifar-m"), 0);
        assertEquals(27_742_851L, big.parameterCount());
        System.out.printf("cifar-m construction: %.2f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void countFromConfigMatchesBuiltNetworkForOtherShapes() {
        UNetConfig c = new UNetConfig(2, 8, 8, new int[] {1, 2, 2}, 1, 0.0);
        assertEquals(c.parameterCount(), new UNet(c, DType.F64, 1).parameterCount());
        UNetConfig d = new UNetConfig(3, 16, 16, new int[] {1, 2, 3, 4}, 2, 0.1);
        assertEquals(d.parameterCount(), new UNet(d, DType.F32, 1).parameterCount());
    }

    @Test
    void unknownConfigListsNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UNetConfig.named("fmnist-xl"));
        assertTrue(e.getMessage().contains("fmnist-xl") && e.getMessage().contains("fmnist-xs, fmnist-s, cifar-m"), e.getMessage());
    }

    @Test
    void namesShapesAndSummary() {
        UNet net = new UNet(UNetConfig.named("fmnist-xs"), 0);
        Map<String, Tensor> p = net.namedParameters();
        assertArrayEquals(new int[] {128, 32}, p.get("emb.fc0.weight").shape());
        assertArrayEquals(new int[] {32, 1, 3, 3}, p.get("conv_in.weight").shape());
        assertArrayEquals(new int[] {32, 32, 3, 3}, p.get("down.2.weight").shape()); // downsample
        assertArrayEquals(new int[] {64, 32, 3, 3}, p.get("down.3.conv0.weight").shape());
        assertArrayEquals(new int[] {64, 32, 1, 1}, p.get("down.3.skip.weight").shape());
        assertArrayEquals(new int[] {128, 128}, p.get("down.3.affine.weight").shape());
        assertArrayEquals(new int[] {192, 64, 1, 1}, p.get("down.6.attn.qkv.weight").shape());
        assertFalse(p.containsKey("down.4.attn.qkv.weight"));
        assertTrue(p.containsKey("mid.0.attn.proj.bias") && !p.containsKey("mid.1.attn.proj.bias"));
        assertArrayEquals(new int[] {64, 128, 3, 3}, p.get("up.0.conv0.weight").shape());
        assertArrayEquals(new int[] {64, 64, 3, 3}, p.get("up.3.conv.weight").shape());
        assertArrayEquals(new int[] {1, 32, 3, 3}, p.get("out_conv.weight").shape());
        String s = net.summary();
        assertTrue(s.contains("params: 1,742,881"), s);
        assertTrue(s.contains("down.6.attn.qkv"), s);
        // GN(c): min(32, c/4) groups, gain 1, bias 0
        var gn = (tangent.nn.layers.ResBlock) net.up.items().get(0);
        assertEquals(32, gn.norm0.groups); // 128 channels
        assertEquals(8, net.outNorm.groups); // 32 channels
        assertEquals(1.0, gn.norm0.weight().get(5));
        // init bounds: uniform +-1/sqrt(fan_in)
        double bound = 1 / Math.sqrt(32 * 9);
        double max = 0;
        for (float v : p.get("down.0.conv0.weight").toFloatArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.95 * bound, "max " + max + " bound " + bound);
        for (float v : p.get("down.0.conv0.bias").toFloatArray()) assertTrue(Math.abs(v) <= bound);
    }

    @Test
    void sameSeedSameWeights() {
        UNetConfig c = new UNetConfig(1, 8, 8, new int[] {1, 2}, 1, 0.0);
        UNet a = new UNet(c, 7), b = new UNet(c, 7), d = new UNet(c, 8);
        assertArrayEquals(a.parameters().get(3).toFloatArray(), b.parameters().get(3).toFloatArray());
        assertFalse(java.util.Arrays.equals(a.parameters().get(3).toFloatArray(), d.parameters().get(3).toFloatArray()));
    }

    @Test
    void forwardShapeAndTiming() {
        UNet net = new UNet(UNetConfig.named("fmnist-xs"), 0);
        Rng rng = new Rng(1);
        int b = 32;
        Tensor x = rng.normal(DType.F32, b, 1, 28, 28);
        Tensor t = rng.uniform(DType.F32, 0, 1.5, b);
        Tensor y;
        try (var g = GradMode.noGrad()) {
            y = net.forward(x, t);
            assertArrayEquals(new int[] {b, 1, 28, 28}, y.shape());
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                net.forward(x, t);
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf("fmnist-xs float32 forward, batch %d: %.1f ms (best of 3, no grad)%n", b, best / 1e6);
        }
        for (float v : y.toFloatArray()) assertTrue(Float.isFinite(v));
    }
}
