package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/** The fused GroupNorm forward + JVP against its oracle, the composite F.groupNorm and its jvp. float64 to 1e-12, float32 to 1e-5 (relative to max |value|). */
class FusedGroupNormTest {
    static void close(Tensor e, Tensor a, double tol) {
        assertArrayEquals(e.shape(), a.shape());
        double[] ev = e.toDoubleArray(), av = a.toDoubleArray();
        double scale = 1;
        for (double v : ev) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < ev.length; i++) assertEquals(ev[i], av[i], tol * scale, "element " + i);
    }

    @Test
    void matchesTheCompositeOracle() {
        Rng rng = new Rng(3);
        int[][] shapes = {{2, 6, 3, 3}, {3, 4, 5}, {1, 8, 2, 2}};
        int[] groups = {3, 2, 8};
        for (DType dt : DType.values()) {
            for (int k = 0; k < shapes.length; k++) {
                Tensor x = rng.normal(dt, shapes[k]).mul(3.0).add(1.5), dx = rng.normal(dt, shapes[k]);
                int g = groups[k];
                Tensor[] ref = ForwardAD.jvp(in -> F.groupNorm(in[0], g, null, null, 1e-5), new Tensor[] {x}, new Tensor[] {dx});
                Tensor[] got = FusedGroupNorm.forwardJvp(x, dx, g, 1e-5);
                double tol = dt == DType.F64 ? 1e-12 : 1e-5;
                close(ref[0], got[0], tol);
                close(ref[1], got[1], tol);
                assertNull(FusedGroupNorm.forwardJvp(x, null, g, 1e-5)[1]);
            }
        }
        // strided input takes the same path
        Tensor x = rng.normal(DType.F64, 2, 4, 3, 5).transpose(2, 3);
        close(F.groupNorm(x, 2, null, null, 1e-5), FusedGroupNorm.forwardJvp(x, null, 2, 1e-5)[0], 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FusedGroupNorm.forwardJvp(Tensor.zeros(DType.F64, 2, 6, 3), null, 4, 1e-5));
        assertTrue(e.getMessage().contains("group_norm") && e.getMessage().contains("(2, 6, 3)"), e.getMessage());
    }
}
