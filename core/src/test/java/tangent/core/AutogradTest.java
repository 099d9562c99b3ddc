package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Reverse mode: accumulation, grad to chosen inputs, noGrad, tape release and retainGraph. Exact or 1e-12. */
class AutogradTest {
    static Tensor x() {
        return Tensor.of(new double[] {0.5, -1.0, 2.0}, 3).requiresGrad(true);
    }

    static double[] dsinxx(double[] v) { // d/dx sum(sin(x) x)
        double[] g = new double[v.length];
        for (int i = 0; i < v.length; i++) g[i] = Math.cos(v[i]) * v[i] + Math.sin(v[i]);
        return g;
    }

    @Test
    void gradientsAccumulateAcrossTwoBackwardCalls() {
        Tensor x = x();
        double[] g = dsinxx(x.toDoubleArray());
        x.sin().mul(x).sum().backward();
        assertArrayEquals(g, x.grad().toDoubleArray(), 1e-12);
        x.sin().mul(x).sum().backward();
        for (int i = 0; i < 3; i++) assertEquals(2 * g[i], x.grad().toDoubleArray()[i], 1e-12);
        x.zeroGrad();
        assertNull(x.grad());
    }

    /**
     * The in-place cotangent accumulation (into buffers the backward pass owns) must give the bits
     * of the out-of-place one, which a createGraph backward still uses: a graph whose rules hand
     * one tensor to two inputs (add, add_scale), use an input three times, return views (reshape)
     * and broadcasts (sum), slices (whose cotangents go into a window of the running sum) and
     * add_scale taking its gy in place, in float32 and float64.
     */
    @Test
    void inPlaceAccumulationMatchesRecordedBackward() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            Rng rng = new Rng(7);
            Tensor x = rng.normal(dt, 2, 3, 4).requiresGrad(true), w = rng.normal(dt, 2, 3, 4).requiresGrad(true);
            java.util.function.Supplier<Tensor> f = () -> {
                Tensor a = x.mul(w);
                Tensor b = F.addScale(a, x, 0.7);        // one cotangent for a and x (gy donated: b's is a sum)
                Tensor c = b.add(b);                     // gy itself for both inputs
                Tensor d = c.mul(x).add(a);              // x a third time, a a second time
                Tensor e = d.sum(new int[] {1}, true).add(x.reshape(2, 3, 4)); // a broadcast cotangent, a view
                Tensor r = e.reshape(-1);
                Tensor windows = e.slice(1, 0, 2).mul(e.slice(1, 1, 3)).sum(); // pads, or adds into a window
                return r.mul(r).add(r.mul(w.reshape(-1))).sum().add(windows);
            };
            Tensor[] plain = Autograd.grad(f.get(), new Tensor[] {x, w}, null, false, false);
            Tensor[] recorded = Autograd.grad(f.get(), new Tensor[] {x, w}, null, false, true);
            Autograd.accumulateInPlace = false;
            Tensor[] sums;
            try {
                sums = Autograd.grad(f.get(), new Tensor[] {x, w}, null, false, false);
            } finally {
                Autograd.accumulateInPlace = true;
            }
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(recorded[i].detach().toDoubleArray(), plain[i].toDoubleArray(), 0.0, dt + " input " + i);
                assertArrayEquals(sums[i].toDoubleArray(), plain[i].toDoubleArray(), 0.0, dt + " input " + i + " (new sums)");
            }
            f.get().backward();
            f.get().backward();
            Tensor twice = plain[0].add(plain[0]);
            assertArrayEquals(twice.toDoubleArray(), x.grad().toDoubleArray(), 0.0, dt + " accumulated .grad");
        }
    }

    /** A wanted non-leaf's cotangent is handed out as is: its op's VJP may not scale it in place. */
    @Test
    void wantedNonLeafCotangentIsNotOverwritten() {
        Rng rng = new Rng(3);
        Tensor x = rng.normal(DType.F32, 2, 5).requiresGrad(true);
        Tensor b = F.addScale(x.mul(x), x, 0.7);
        Tensor loss = b.add(b).mul(x).sum();   // b's cotangent: a fresh sum the backward pass owns
        Tensor[] g = Autograd.grad(loss, new Tensor[] {b, x}, null, false);
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < xs.length; i++) assertEquals(2 * (float) xs[i], g[0].toDoubleArray()[i], 0.0);
    }

    @Test
    void repeatedInputAccumulates() {
        Tensor x = x();
        x.mul(x).sum().backward(); // d/dx sum(x*x) = 2x
        assertArrayEquals(new double[] {1, -2, 4}, x.grad().toDoubleArray(), 1e-15);
        Tensor z = x();
        Tensor[] g = Autograd.grad(z.mul(z).sum(), new Tensor[] {z}, null, false);
        assertArrayEquals(new double[] {1, -2, 4}, g[0].toDoubleArray(), 1e-15);
    }

    @Test
    void gradToChosenInputsLeavesDotGradAlone() {
        Tensor a = x(), b = Tensor.of(new double[] {3, 4, 5}, 3).requiresGrad(true);
        Tensor unused = Tensor.of(new double[] {1}, 1).requiresGrad(true);
        Tensor h = a.mul(b);
        Tensor y = h.sum();
        Tensor[] g = Autograd.grad(y, new Tensor[] {b, unused, h}, null, false);
        assertArrayEquals(a.toDoubleArray(), g[0].toDoubleArray());
        assertNull(g[1], "y does not depend on this input");
        assertArrayEquals(new double[] {1, 1, 1}, g[2].toDoubleArray(), "an intermediate can be asked for");
        assertNull(a.grad());
        assertNull(b.grad());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autograd.grad(a.sum(), new Tensor[] {Tensor.zeros(DType.F64, 2)}, null, false));
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = x();
        Tensor y;
        try (GradMode.Scope g = GradMode.noGrad()) {
            y = x.sin().mul(x).sum();
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertFalse(y.requiresGrad());
        assertTrue(Autograd.recordedOps(y).isEmpty());
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void tapeIsReleasedAfterBackward() {
        Tensor x = x();
        Tensor y = x.sin().mul(x).sum();
        assertEquals(3, Autograd.recordedOps(y).size()); // sin, mul, sum
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("already released") && e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = x();
        Tensor y = x.sin().mul(x).sum();
        Autograd.backward(y, null, true);
        Autograd.backward(y, null, false);
        double[] g = dsinxx(x.toDoubleArray());
        for (int i = 0; i < 3; i++) assertEquals(2 * g[i], x.grad().toDoubleArray()[i], 1e-12);
        assertThrows(IllegalStateException.class, () -> Autograd.backward(y, null, false));
    }

    @Test
    void seedAndNonScalarOutputs() {
        Tensor x = x();
        Tensor y = x.mul(3.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(e.getMessage().contains("not a scalar") && e.getMessage().contains("(3,)"), e.getMessage());
        Autograd.backward(y, Tensor.of(new double[] {1, 2, 3}, 3), false);
        assertArrayEquals(new double[] {3, 6, 9}, x.grad().toDoubleArray());
    }

    @Test
    void leafGradientsAreOwnedCompactTensors() {
        Tensor a = x(), b = x();
        a.add(b).sum().backward(); // the cotangent of both is the same broadcast view of the seed
        assertTrue(a.grad().isCompact() && b.grad().isCompact());
        assertNotSame(a.grad().storage(), b.grad().storage());
        a.grad().copyFrom(Tensor.zeros(DType.F64, 3));
        assertArrayEquals(new double[] {1, 1, 1}, b.grad().toDoubleArray());
        Tensor s = Tensor.of(new double[] {2}, 1).requiresGrad(true);
        s.backward(); // backward of a leaf: its gradient is the seed
        assertEquals(1.0, s.grad().item());
    }

    @Test
    void onlyLeavesCanBeMarked() {
        Tensor y = x().mul(2.0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.requiresGrad(true));
        assertTrue(e.getMessage().contains("scale"), e.getMessage());
    }

    @Test
    void maxTiesShareTheDerivativeEvenly() {
        // A tie has no derivative; the engine's convention (documented in Max) splits it evenly.
        Tensor x = Tensor.of(new double[] {1, 3, 3, 2}, 4).requiresGrad(true);
        x.max().backward();
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0}, x.grad().toDoubleArray());
        Tensor[] r = ForwardAD.jvp(in -> in[0].max(), new Tensor[] {x.detach()},
                new Tensor[] {Tensor.of(new double[] {10, 2, 4, 100}, 4)});
        assertEquals(3.0, r[1].item()); // (2 + 4) / 2
    }
}
