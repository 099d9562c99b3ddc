package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * A scaled sum of two tensors of one shape as one primitive (a residual connection normalised by
 * a constant: (h + x) / sqrt 2), c a constant.
 * <pre>{@code
 * forward: y = (a + b) c
 * jvp:     dy = (da + db) c
 * vjp:     ga = gb = gy c (into gy itself when the backward pass donates it: Op#vjpDonated)
 * cpu:     CpuBackend.addScale, CpuBackend.addScaleJvp, CpuBackend.unary (SCALE), CpuBackend.scaleInPlace
 * cuda:    binary_* (elementwise.cu), unary_* (elementwise.cu)
 * }</pre>
 * The fused kernels (the inputs' {@link Backend#addScale}, {@link Backend#addScaleJvp}) do the
 * forward and the forward+JVP in one pass each, with the composite's operations in its order (the
 * dtype's add, then the multiply by c), so they equal the composite a.add(b).mul(c) bit for bit.
 * Without them, and when constructed with fused = false, the forward is that composite. The VJP
 * is one scaling whichever path (it is the composite's: the add passes gy c to both inputs).
 */
public final class AddScale extends Op {
    private final double c;
    /** Whether the rules may take the backend's fused kernels (false: composite rules only, the oracle). */
    private final boolean fused;

    /** The op (a + b) c. */
    public AddScale(double c, boolean fused) {
        this.c = c;
        this.fused = fused;
    }

    @Override
    public String name() {
        return "add_scale";
    }

    /** The composite definition with primitives (the oracle). */
    public static Tensor composite(Tensor a, Tensor b, double c) {
        return a.add(b).mul(c);
    }

    private void check(Tensor[] x) {
        if (x.length != 2) throw new IllegalArgumentException("add_scale: expected 2 inputs, got " + x.length);
        Rules.requireSameDType(name(), x[0], x[1]);
        if (!Arrays.equals(x[0].shape(), x[1].shape()))
            throw new IllegalArgumentException("add_scale: shapes " + Shape.str(x[0].shape()) + " and " + Shape.str(x[1].shape())
                    + " differ (no broadcasting)");
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        check(x);
        if (fused) {
            Tensor y = Backend.of(x[0]).addScale(x[0], x[1], c);
            if (y != null) return y;
        }
        return composite(x[0].detach(), x[1].detach(), c);
    }

    /** Fused {y, dy} when a or b carries this level's tangent and the backend has the kernel. */
    @Override
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        if (!fused || (dx[0] == null && dx[1] == null)) return null;
        check(x);
        return Backend.of(x[0]).addScaleJvp(x[0], dx[0], x[1], dx[1], c);
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        Tensor t = Rules.plus(dx[0], dx[1]);
        return t == null ? null : t.mul(c);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        Tensor g = gy.mul(c);
        return new Tensor[] {needsGrad[0] ? g : null, needsGrad[1] ? g : null};
    }

    /** gy c computed into gy itself when the backend can (the bits of gy.mul(c)). */
    @Override
    protected Tensor[] vjpDonated(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        long t0 = tangent.core.Profiler.ON ? System.nanoTime() : 0;
        if (c == 1 || !Backend.of(gy).scaleInPlace(gy, c)) return vjp(x, y, gy, needsGrad);
        tangent.core.Profiler.kernel("scale_", t0, gy.numel());
        return new Tensor[] {needsGrad[0] ? gy : null, needsGrad[1] ? gy : null};
    }
}
