package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Shape;
import tangent.core.Tensor;
import tangent.core.backend.Backend;

/**
 * A range along one axis (a view, no copy). Its adjoint is {@link Pad}.
 *
 * <pre>{@code
 * forward: y = x[..., start:end, ...]
 * jvp:     dy = dx[..., start:end, ...]
 * vjp:     gx = pad(gy): gy at start..end of zeros shaped like x; into an owned running
 *          cotangent acc: acc[..., start:end, ...] += gy (Op#vjpAddInto)
 * cpu:     none (a view)
 * cuda:    none (a view)
 * }</pre>
 */
public final class Slice extends Op {
    private final int axis, start, end;

    /** Elements start..end-1 along axis. */
    public Slice(int axis, int start, int end) {
        this.axis = axis;
        this.start = start;
        this.end = end;
    }

    @Override
    public String name() {
        return "slice";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int a = Shape.axis(name(), axis, x[0].dim());
        int[] s = x[0].shape(), st = x[0].strides();
        if (start < 0 || end > s[a] || start > end)
            throw new IllegalArgumentException("slice: range " + start + ".." + end + " is outside axis " + a + " of "
                    + Shape.str(s));
        s[a] = end - start;
        return Tensor.view(x[0].storage(), s, st, x[0].offset() + (s[a] == 0 ? 0 : start * st[a]));
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].slice(axis, start, end);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        return new Tensor[] {new Pad(x[0].shape(), axis, start).apply(gy)};
    }

    /** acc[..., start:end, ...] += gy in place (the window of acc + pad(gy); outside it acc + 0 is acc). */
    @Override
    protected boolean vjpAddInto(Tensor acc, Tensor[] x, Tensor y, Tensor gy) {
        return Backend.of(acc).addInPlace(forward(new Tensor[] {acc}), gy);
    }
}
