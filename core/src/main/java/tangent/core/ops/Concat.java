package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * Joins tensors along one axis (all other dimensions equal). An input without a tangent
 * contributes zeros to the output's tangent.
 *
 * <pre>{@code
 * forward: y = concat(x_1, ..., x_n; axis)
 * jvp:     dy = concat(dx_1, ..., dx_n; axis)
 * vjp:     gx_i = slice of gy at x_i's place along axis
 * cpu:     CpuBackend.copyInto
 * cuda:    copy_* (elementwise.cu)
 * }</pre>
 */
public final class Concat extends Op {
    private final int axis;

    /** Joins along axis (negative counts from the end). */
    public Concat(int axis) {
        this.axis = axis;
    }

    @Override
    public String name() {
        return "concat";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        if (x.length == 0) throw new IllegalArgumentException("concat: no tensors given");
        int a = Shape.axis(name(), axis, x[0].dim());
        int[] out = x[0].shape();
        out[a] = 0;
        for (Tensor t : x) {
            Rules.requireSameDType(name(), x[0], t);
            int[] s = t.shape();
            boolean ok = s.length == out.length;
            for (int i = 0; ok && i < s.length; i++) ok = i == a || s[i] == out[i];
            if (!ok) {
                StringBuilder all = new StringBuilder();
                for (Tensor u : x) all.append(all.length() == 0 ? "" : ", ").append(Shape.str(u.shape()));
                throw new IllegalArgumentException("concat: shapes " + all + " differ outside axis " + a);
            }
            out[a] += s[a];
        }
        Tensor y = Backend.of(x[0]).empty(x[0].dtype(), out);   // every element is copied in below
        int[] st = y.strides();
        int at = 0;
        for (Tensor t : x) {
            Tensor window = Tensor.view(y.storage(), t.shape(), st, at * st[a]);
            Backend.of(y).copyInto(t, window);
            at += t.shape()[a];
        }
        return y;
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        boolean any = false;
        for (Tensor t : dx) any |= t != null;
        if (!any) return null;
        Tensor[] ts = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) ts[i] = dx[i] != null ? dx[i] : x[i].zerosLike();
        return apply(ts);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        int a = Shape.axis(name(), axis, x[0].dim());
        Tensor[] g = new Tensor[x.length];
        int at = 0;
        for (int i = 0; i < x.length; i++) {
            int n = x[i].shape()[a];
            if (needsGrad[i]) g[i] = gy.slice(a, at, at + n);
            at += n;
        }
        return g;
    }
}
