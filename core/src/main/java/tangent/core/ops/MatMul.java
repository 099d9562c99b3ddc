package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Batched matrix product C = op(A) op(B), op = transpose when the flag is set.
 * A: (batch..., M, K), or (batch..., K, M) when transA; B: (batch..., K, N), or (batch..., N, K)
 * when transB; C: (batch..., M, N). An operand of rank 2 is shared by every batch entry, and its
 * cotangent is summed over the batch. The transposed cases' VJPs follow by transposing those of C = A B.
 *
 * <pre>{@code
 * forward: C = op(A) op(B)
 * jvp:     dC = op(dA) op(B) + op(A) op(dB)
 * vjp:     gA = gC B^T, gB = A^T gC   (for C = A B)
 * cpu:     CpuBackend.matmul, CpuBackend.matmulJvp
 * cuda:    gemm_* (gemm.cu)
 * }</pre>
 * The fused forward+JVP (the inputs' {@link Backend#matmulJvp}) forms y and dy in one call, the
 * second tangent product added straight into the first's output; jvp below is its oracle.
 */
public final class MatMul extends Op {
    private final boolean transA, transB;

    /** The product op(a) op(b), op transposing the last two axes when its flag is set. */
    public MatMul(boolean transA, boolean transB) {
        this.transA = transA;
        this.transB = transB;
    }

    @Override
    public String name() {
        return "matmul";
    }

    static int[] outShape(String op, Tensor a, Tensor b, boolean ta, boolean tb) {
        int[] as = a.shape(), bs = b.shape();
        if (as.length < 2 || bs.length < 2)
            throw new IllegalArgumentException(op + ": operands must have rank >= 2, got " + Shape.str(as) + " and " + Shape.str(bs));
        int m = ta ? as[as.length - 1] : as[as.length - 2];
        int ka = ta ? as[as.length - 2] : as[as.length - 1];
        int kb = tb ? bs[bs.length - 1] : bs[bs.length - 2];
        int n = tb ? bs[bs.length - 2] : bs[bs.length - 1];
        if (ka != kb)
            throw new IllegalArgumentException(op + ": inner dimensions differ: " + Shape.str(as) + (ta ? "^T" : "")
                    + " x " + Shape.str(bs) + (tb ? "^T" : "") + " (" + ka + " vs " + kb + ")");
        int[] batchA = java.util.Arrays.copyOf(as, as.length - 2), batchB = java.util.Arrays.copyOf(bs, bs.length - 2);
        int[] batch;
        if (batchA.length == 0) batch = batchB;
        else if (batchB.length == 0 || java.util.Arrays.equals(batchA, batchB)) batch = batchA;
        else throw new IllegalArgumentException(op + ": batch dimensions " + Shape.str(batchA) + " and " + Shape.str(batchB)
                + " differ (they must match, or one operand must be a plain matrix)");
        return Shape.concat(batch, m, n);
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        Rules.requireSameDType(name(), x[0], x[1]);
        int[] out = outShape(name(), x[0], x[1], transA, transB);
        return Backend.of(x[0]).matmul(x[0], x[1], transA, transB, out);
    }

    /** Fused {y, dy} when a or b carries this level's tangent and the backend has the kernel. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (dx[0] == null && dx[1] == null) return null;
        Rules.requireSameDType(name(), x[0], x[1]);
        int[] out = outShape(name(), x[0], x[1], transA, transB);
        return Backend.of(x[0]).matmulJvp(x[0], dx[0], x[1], dx[1], transA, transB, out);
    }

    private static Tensor mm(Tensor a, Tensor b, boolean ta, boolean tb) {
        return new MatMul(ta, tb).apply(a, b);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = null;
        if (dx[0] != null) t = mm(dx[0], x[1], transA, transB);
        if (dx[1] != null) t = Rules.plus(t, mm(x[0], dx[1], transA, transB));
        return t == null ? null : Rules.expandTo(t, y.shape());
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor g, boolean[] needsGrad) {
        Tensor a = x[0], b = x[1], ga = null, gb = null;
        if (needsGrad[0]) {
            if (!transA) ga = transB ? mm(g, b, false, false) : mm(g, b, false, true);
            else ga = transB ? mm(b, g, true, true) : mm(b, g, false, true);
            ga = Rules.sumTo(ga, a.shape());
        }
        if (needsGrad[1]) {
            if (!transB) gb = transA ? mm(a, g, false, false) : mm(a, g, true, false);
            else gb = transA ? mm(g, a, true, true) : mm(g, a, true, false);
            gb = Rules.sumTo(gb, b.shape());
        }
        return new Tensor[] {ga, gb};
    }
}
