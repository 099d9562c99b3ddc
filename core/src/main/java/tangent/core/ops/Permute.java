package tangent.core.ops;

import tangent.core.Op;
import tangent.core.Tensor;

/**
 * Reorders axes: y.shape[i] = x.shape[perm[i]] (a view, no copy).
 *
 * <pre>{@code
 * forward: y = permute(x, perm)
 * jvp:     dy = permute(dx, perm)
 * vjp:     gx = permute(gy, inverse(perm))
 * cpu:     none (a view)
 * cuda:    none (a view)
 * }</pre>
 */
public final class Permute extends Op {
    private final int[] perm;

    /** Axis i of the output is axis perm[i] of the input. */
    public Permute(int[] perm) {
        this.perm = perm.clone();
    }

    @Override
    public String name() {
        return "permute";
    }

    @Override
    protected Tensor forward(Tensor[] x) {
        int r = x[0].dim();
        if (perm.length != r)
            throw new IllegalArgumentException("permute: " + java.util.Arrays.toString(perm) + " for a tensor of rank " + r);
        boolean[] seen = new boolean[r];
        int[] s = x[0].shape(), st = x[0].strides(), ns = new int[r], nst = new int[r];
        for (int i = 0; i < r; i++) {
            int p = perm[i];
            if (p < 0 || p >= r || seen[p])
                throw new IllegalArgumentException("permute: " + java.util.Arrays.toString(perm) + " is not a permutation of 0.." + (r - 1));
            seen[p] = true;
            ns[i] = s[p];
            nst[i] = st[p];
        }
        return Tensor.view(x[0].storage(), ns, nst, x[0].offset());
    }

    @Override
    protected Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx) {
        return dx[0] == null ? null : dx[0].permute(perm);
    }

    @Override
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return new Tensor[] {gy.permute(inv)};
    }
}
