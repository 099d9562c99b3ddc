package tangent.core.ops;

import java.util.Arrays;
import tangent.core.Shape;
import tangent.core.Tensor;

/** Small helpers that JVP and VJP rules share. */
final class Rules {
    private Rules() {}

    /** Sums a broadcast cotangent back to the shape of the operand it was broadcast from. */
    static Tensor sumTo(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int[] axes = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            boolean broadcast = i < lead || (shape[i - lead] == 1 && gs[i] != 1);
            if (broadcast) axes[n++] = i;
        }
        Tensor s = n == 0 ? g : g.sum(Arrays.copyOf(axes, n), true);
        return s.reshape(shape);
    }

    /** Broadcasts a tangent to the output shape when it is smaller (x + c where only c varies). */
    static Tensor expandTo(Tensor t, int[] shape) {
        return Arrays.equals(t.shape(), shape) ? t : t.expand(shape);
    }

    /** a + b where null means zero. */
    static Tensor plus(Tensor a, Tensor b) {
        if (a == null) return b;
        if (b == null) return a;
        return a.add(b);
    }

    /** Forward of a broadcasting binary op: checks dtypes and shapes, then runs the kernel. */
    static Tensor binary(String op, tangent.core.backend.BinaryFn fn, Tensor a, Tensor b) {
        requireSameDType(op, a, b);
        int[] out = Shape.broadcast(op, a.shape(), b.shape());
        return tangent.core.backend.Backend.of(a).binary(fn, a, b, out);
    }

    /** A compact copy of x (kernel level: no autodiff). */
    static Tensor compactCopy(Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.device(), x.shape());
        tangent.core.backend.Backend.of(x).copyInto(x, out);
        return out;
    }

    static void requireSameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(op + ": dtypes differ (" + a.dtype() + " " + Shape.str(a.shape()) + " and "
                    + b.dtype() + " " + Shape.str(b.shape()) + "); convert one with .to(DType)");
    }

    static void requireRank(String op, String what, Tensor x, int rank) {
        if (x.dim() != rank)
            throw new IllegalArgumentException(op + ": " + what + " must have rank " + rank + " but has shape "
                    + Shape.str(x.shape()));
    }
}
