package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The CPU's fused matmulJvp against its definition, bit for bit: {op(a) op(b), op(da) op(b) +
 * op(a) op(db)} with the products from matmul and the add of the tensors (float32 and float64;
 * every transpose pair; batched, shared rank-2 and strided-view operands; either tangent absent).
 * Also checks that in-place strided operands give matmul's result on compact copies.
 */
class MatMulJvpTest {
    static void same(Tensor e, Tensor a, String what) {
        assertArrayEquals(e.shape(), a.shape(), what + " shape");
        if (e.dtype() == DType.F32) assertArrayEquals(e.toFloatArray(), a.toFloatArray(), what);
        else assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), what);
    }

    /** (batch..., R, C) stored as a slice of a wider tensor along the row axis, so batch stride != R*C. */
    static Tensor sliced(Rng rng, DType dt, int[] shape) {
        int d = shape.length;
        int[] wide = shape.clone();
        wide[d - 2] = 3 * shape[d - 2];
        return rng.normal(dt, wide).slice(d - 2, shape[d - 2], 2 * shape[d - 2]);
    }

    @Test
    void fusedJvpMatchesTheCompositeAndViewsMatchCopies() {
        Rng rng = new Rng(5);
        CpuBackend cpu = CpuBackend.INSTANCE;
        // the second shape takes GemmSmall (op(B) 3-4 vectors wide) on the vector path
        for (int[] mkn : new int[][] {{7, 37, 19}, {13, 37, 53}})
        for (DType dt : DType.values())
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true})
                    for (int form = 0; form < 4; form++) {
                        // form 0: batched; 1: shared a; 2: shared b; 3: batched strided views
                        int m = mkn[0], k = mkn[1], n = mkn[2];
                        int[] as = ta ? new int[] {k, m} : new int[] {m, k}, bs = tb ? new int[] {n, k} : new int[] {k, n};
                        int[] ab = {3, as[0], as[1]}, bb = {3, bs[0], bs[1]};
                        int[] sa = form == 1 ? as : ab, sb = form == 2 ? bs : bb;
                        Tensor a, b, da, db;
                        if (form == 3) {
                            a = sliced(rng, dt, sa);
                            b = sliced(rng, dt, sb);
                            da = sliced(rng, dt, sa);
                            db = sliced(rng, dt, sb);
                        } else {
                            a = rng.normal(dt, sa);
                            b = rng.normal(dt, sb);
                            da = rng.normal(dt, sa);
                            db = rng.normal(dt, sb);
                        }
                        int[] out = {3, m, n};
                        String what = m + "x" + k + "x" + n + " " + dt + " " + ta + " " + tb + " form " + form;
                        Tensor y = cpu.matmul(a, b, ta, tb, out);
                        same(cpu.matmul(CpuBackend.compact(a), CpuBackend.compact(b), ta, tb, out), y, what + " views");
                        Tensor p1 = cpu.matmul(da, b, ta, tb, out), p2 = cpu.matmul(a, db, ta, tb, out);
                        Tensor[] both = cpu.matmulJvp(a, da, b, db, ta, tb, out);
                        same(y, both[0], what + " primal");
                        same(p1.add(p2), both[1], what + " tangent");
                        same(p1, cpu.matmulJvp(a, da, b, null, ta, tb, out)[1], what + " da only");
                        same(p2, cpu.matmulJvp(a, null, b, db, ta, tb, out)[1], what + " db only");
                        // through the op: the fused forward+JVP
                        Tensor[] viaOp = ForwardAD.jvp(in -> F.matmul(in[0], in[1], ta, tb), new Tensor[] {a, b},
                                new Tensor[] {da, db});
                        same(y, viaOp[0], what + " op primal");
                        same(p1.add(p2), viaOp[1], what + " op tangent");
                    }
    }

    @Test
    void layoutOfViews() {
        Rng rng = new Rng(1);
        Tensor x = rng.normal(DType.F32, 2, 9, 5);
        Tensor[] s = F.split(x, 1, 3, 3, 3);
        assertArrayEquals(new int[] {3 * 5, 45, 5}, CpuBackend.matrixLayout(s[1]));
        assertArrayEquals(new int[] {0, 0, 5}, CpuBackend.matrixLayout(rng.normal(DType.F32, 4, 5)));
        assertEquals(null, CpuBackend.matrixLayout(x.transpose(1, 2)));
    }
}
