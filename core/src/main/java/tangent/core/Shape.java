package tangent.core;

import java.util.Arrays;

/** Static helpers for shapes (int[] of dimension sizes, row-major) and their error messages. */
public final class Shape {
    private Shape() {}

    /** The number of elements of a shape (1 for rank 0); throws on a negative dimension or an int overflow. */
    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            n *= d;
        }
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape " + str(shape) + " has more than 2^31-1 elements");
        return (int) n;
    }

    /** Row-major (C order) strides of a compact tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** "(2, 3, 4)" — how shapes appear in every error message. */
    public static String str(int[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(", ");
            b.append(shape[i]);
        }
        if (shape.length == 1) b.append(',');
        return b.append(')').toString();
    }

    /** NumPy broadcasting of two shapes; throws naming the op when they do not broadcast. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            int db = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative axis; throws naming the op when out of range. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for a tensor of rank " + rank);
        return a;
    }

    /** Sorted, de-duplicated, normalised axes; an empty array means all axes. */
    public static int[] axes(String op, int[] axes, int rank) {
        if (axes == null || axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] a = new int[axes.length];
        for (int i = 0; i < axes.length; i++) a[i] = axis(op, axes[i], rank);
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++)
            if (a[i] == a[i - 1]) throw new IllegalArgumentException(op + ": axis " + a[i] + " given twice");
        return a;
    }

    /** The shape with the given (normalised, sorted) axes set to 1. */
    public static int[] keepDims(int[] shape, int[] axes) {
        int[] out = shape.clone();
        for (int a : axes) out[a] = 1;
        return out;
    }

    /** The shape with the given (normalised, sorted) axes removed. */
    public static int[] dropDims(int[] shape, int[] axes) {
        int[] out = new int[shape.length - axes.length];
        int j = 0;
        for (int i = 0, k = 0; i < shape.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
                continue;
            }
            out[j++] = shape[i];
        }
        return out;
    }

    /** The dimensions of a followed by those of b. */
    public static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
