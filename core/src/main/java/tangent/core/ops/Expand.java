package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * Broadcast to a larger shape without copying (stride 0 along expanded axes); leading axes may
 * be added.
 *
 * <pre>{@code
 * forward: y = expand(x, shape)
 * jvp:     dy = expand(dx, shape)
 * vjp:     gx = sum of gy over the broadcast axes
 * cpu:     none (a view)
 * cuda:    none (a view)
 * }</pre>
 */
public final class Expand extends Op {
    private final int[] newShape;

    /** Broadcasts to newShape (NumPy rules: size-1 or missing leading axes grow). */
    public Expand(int[] newShape) {
        this.newShape = newShape.clone();
    }

    @Override
    public String name() {
        return "expand";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int[] s = x[0].shape(), st = x[0].strides();
        int lead = newShape.length - s.length;
        if (lead < 0)
            throw new IllegalArgumentException("expand: cannot expand " + Shape.str(s) + " to the smaller rank " + Shape.str(newShape));
        int[] nst = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            if (i < lead) continue;
            int d = s[i - lead];
            if (d == newShape[i]) nst[i] = st[i - lead];
            else if (d == 1) nst[i] = 0;
            else throw new IllegalArgumentException("expand: cannot expand " + Shape.str(s) + " to " + Shape.str(newShape)
                    + " (dimension " + i + " has size " + d + ", not 1)");
        }
        return Tensor.view(x[0].storage(), newShape, nst, x[0].offset());
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].expand(newShape);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {Rules.sumTo(gy, x[0].shape())};
    }
}
