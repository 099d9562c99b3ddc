package tangent.core.cpu;

import tangent.core.backend.Broadcast;

/**
 * Walks an n-d index space as rows: all dimensions but the last form the row index, the last is
 * the inner loop. Dimensions are first coalesced (merged where every operand's strides allow), so
 * contiguous operands become one long row. For each row the caller gets every operand's offset.
 */
final class StridedRows {
    final int[] shape; // coalesced
    final int[][] strides; // [operand][dim], coalesced
    final int rows, rowLength;

    StridedRows(int[] shape, int[]... strides) {
        int n = shape.length, k = strides.length;
        int[] s = new int[Math.max(n, 1)];
        int[][] st = new int[k][Math.max(n, 1)];
        int m = 0;
        if (n == 0) {
            s[0] = 1;
            m = 1;
        }
        for (int i = 0; i < n; i++) {
            if (shape[i] == 1) continue;
            if (m > 0) {
                boolean merge = true;
                for (int o = 0; o < k; o++)
                    if (st[o][m - 1] != strides[o][i] * shape[i]) merge = false;
                if (merge) {
                    s[m - 1] *= shape[i];
                    for (int o = 0; o < k; o++) st[o][m - 1] = strides[o][i];
                    continue;
                }
            }
            s[m] = shape[i];
            for (int o = 0; o < k; o++) st[o][m] = strides[o][i];
            m++;
        }
        boolean empty = false;
        for (int d : shape) if (d == 0) empty = true;
        if (m == 0) {
            s[0] = 1;
            m = 1;
        }
        this.shape = java.util.Arrays.copyOf(s, m);
        this.strides = new int[k][];
        for (int o = 0; o < k; o++) this.strides[o] = java.util.Arrays.copyOf(st[o], m);
        this.rowLength = empty ? 0 : this.shape[m - 1];
        int r = 1;
        for (int i = 0; i < m - 1; i++) r *= this.shape[i];
        this.rows = empty ? 0 : r;
    }

    /** Inner-loop stride of operand o. */
    int inner(int o) {
        return strides[o][shape.length - 1];
    }

    /** Offset (relative to the operand's base offset) of row r for operand o. */
    int rowOffset(int o, int r) {
        int off = 0;
        int[] st = strides[o];
        for (int d = shape.length - 2; d >= 0; d--) {
            int idx = r % shape[d];
            r /= shape[d];
            off += idx * st[d];
        }
        return off;
    }

    /** Strides of a tensor broadcast to outShape (0 along broadcast dimensions): {@link Broadcast#strides}. */
    static int[] broadcastStrides(int[] shape, int[] strides, int[] outShape) {
        return Broadcast.strides(shape, strides, outShape);
    }
}
