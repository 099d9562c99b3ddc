package tangent.core;

import java.util.Arrays;
import tangent.core.backend.Backend;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.UnaryFn;
import tangent.core.ops.*;

/**
 * An n-dimensional array: a view (shape, strides, offset) of a {@link Storage}, plus its autodiff
 * state — its place on the tape (shared with every tangent-view of it) and the tangents it carries
 * for active dual levels. Every method that computes something goes through an {@link Op}, so it
 * is differentiable in both modes.
 *
 * <p>Shapes print as (B, C, H, W); layouts are row-major; images are NCHW.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    /** Autodiff: a leaf's gradient slot or the tape node that produced this tensor; null if none. */
    Autograd.Meta meta;
    /**
     * Set on a tangent computed without recording (a dual level that does not record tangents)
     * from tensors that require grad, and on everything computed from it: differentiating it
     * would miss the terms through the tangent, so a recorded op refuses it (Op.apply).
     * detach() clears it. Tangent-views copy it.
     */
    boolean untapedTangent;
    /** Forward mode: levels[i] carries tangents[i]. Never mutated; views copy. */
    private final int[] tangentLevels;
    private final Tensor[] tangents;

    private static final int[] NO_LEVELS = new int[0];
    private static final Tensor[] NO_TANGENTS = new Tensor[0];

    private Tensor(Storage storage, int[] shape, int[] strides, int offset, Autograd.Meta meta,
                   int[] tangentLevels, Tensor[] tangents) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.meta = meta;
        this.tangentLevels = tangentLevels;
        this.tangents = tangents;
    }

    // ---- construction (backends and view ops) -----------------------------------------------

    /** A view of a storage; for backends and view ops. Checks that the view stays in bounds. */
    public static Tensor view(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length)
            throw new IllegalArgumentException("view: shape " + Shape.str(shape) + " and strides " + Arrays.toString(strides)
                    + " differ in rank");
        long lo = offset, hi = offset;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) empty = true;
            long ext = (long) (shape[i] - 1) * strides[i];
            if (ext < 0) lo += ext; else hi += ext;
        }
        if (!empty && (lo < 0 || hi >= storage.length()))
            throw new IllegalArgumentException("view: shape " + Shape.str(shape) + " strides " + Arrays.toString(strides)
                    + " offset " + offset + " reaches outside a storage of " + storage.length() + " elements");
        return new Tensor(storage, shape.clone(), strides.clone(), offset, null, NO_LEVELS, NO_TANGENTS);
    }

    /** A compact row-major tensor over a whole storage. */
    public static Tensor compact(Storage storage, int[] shape) {
        if (Shape.numel(shape) != storage.length())
            throw new IllegalArgumentException("compact: shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements but the storage has " + storage.length());
        return new Tensor(storage, shape.clone(), Shape.contiguousStrides(shape), 0, null, NO_LEVELS, NO_TANGENTS);
    }

    /** Zeros of the given dtype and shape on the CPU. */
    public static Tensor zeros(DType dtype, int... shape) {
        return zeros(dtype, Device.CPU, shape);
    }

    /** Zeros of the given dtype and shape on a device (its backend must be loaded). */
    public static Tensor zeros(DType dtype, Device device, int... shape) {
        return Backend.of(device).zeros(dtype, shape);
    }

    /** Ones of the given dtype and shape on the CPU. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(dtype, Device.CPU, 1.0, shape);
    }

    /** value everywhere, given dtype and shape, on the CPU. */
    public static Tensor full(DType dtype, double value, int... shape) {
        return full(dtype, Device.CPU, value, shape);
    }

    /** value everywhere, given dtype and shape, on a device. */
    public static Tensor full(DType dtype, Device device, double value, int... shape) {
        return Backend.of(device).full(dtype, shape, value);
    }

    /** A rank-0 tensor. */
    public static Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** float32 data, row-major, copied. */
    public static Tensor of(float[] data, int... shape) {
        checkLength("of", data.length, shape);
        return Backend.of(Device.CPU).fromArray(data, shape);
    }

    /** float64 data, row-major, copied. */
    public static Tensor of(double[] data, int... shape) {
        checkLength("of", data.length, shape);
        return Backend.of(Device.CPU).fromArray(data, shape);
    }

    /** float64 0, 1, ..., n-1 in the given dtype: shape (n). Throws if n is negative. */
    public static Tensor arange(DType dtype, int n) {
        return arange(dtype, 0, n, 1);
    }

    /**
     * NumPy's arange: start, start + step, ... while below end (above end for a negative step),
     * shape (ceil((end - start) / step)). Throws if step is 0 or not finite.
     */
    public static Tensor arange(DType dtype, double start, double end, double step) {
        if (step == 0 || !Double.isFinite(step) || !Double.isFinite(start) || !Double.isFinite(end))
            throw new IllegalArgumentException("arange: start " + start + ", end " + end + ", step " + step
                    + " must be finite with a non-zero step");
        long n = Math.max(0, (long) Math.ceil((end - start) / step));
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("arange: " + n + " elements is too many");
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = start + i * step;
        return of(v, v.length).to(dtype);
    }

    /** The n x n identity matrix: shape (n, n). */
    public static Tensor eye(DType dtype, int n) {
        if (n < 0) throw new IllegalArgumentException("eye: size " + n + " is negative");
        double[] v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        return of(v, n, n).to(dtype);
    }

    private static void checkLength(String op, int n, int[] shape) {
        if (Shape.numel(shape) != n)
            throw new IllegalArgumentException(op + ": " + n + " values do not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
    }

    /** Zeros of this shape, dtype and device. */
    public Tensor zerosLike() {
        return zeros(dtype(), device(), shape);
    }

    /** Ones of this shape, dtype and device. */
    public Tensor onesLike() {
        return full(dtype(), device(), 1.0, shape);
    }

    /** v everywhere, this shape, dtype and device. */
    public Tensor fullLike(double v) {
        return full(dtype(), device(), v, shape);
    }

    // ---- metadata ---------------------------------------------------------------------------

    /** The dimensions, outermost first (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Elements to step in the storage per index step along each axis (a copy; 0 for broadcast axes). */
    public int[] strides() {
        return strides.clone();
    }

    /** Index in the storage of element (0, ..., 0). */
    public int offset() {
        return offset;
    }

    /** The storage this tensor is a view of (shared with other views). */
    public Storage storage() {
        return storage;
    }

    /** The rank: number of axes (0 for a scalar). */
    public int dim() {
        return shape.length;
    }

    /** Length of one axis (negative counts from the end). */
    public int size(int axis) {
        return shape[Shape.axis("size", axis, shape.length)];
    }

    /** Number of elements (the product of the shape; 1 for rank 0). */
    public int numel() {
        return Shape.numel(shape);
    }

    /** The element type. */
    public DType dtype() {
        return storage.dtype();
    }

    /** The device holding the data. */
    public Device device() {
        return storage.device();
    }

    /** Row-major with no gaps (offset may be non-zero). */
    public boolean isContiguous() {
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** Contiguous, offset 0 and covering the whole storage: kernels can use the raw array. */
    public boolean isCompact() {
        return offset == 0 && isContiguous() && storage.length() == numel();
    }

    // ---- data access ------------------------------------------------------------------------

    /** The elements in row-major order as float (a copy; downloads from a device). */
    public float[] toFloatArray() {
        return Backend.of(this).toFloatArray(this);
    }

    /** The elements in row-major order as double (a copy; downloads from a device). */
    public double[] toDoubleArray() {
        return Backend.of(this).toDoubleArray(this);
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1)
            throw new IllegalArgumentException("item: tensor " + Shape.str(shape) + " has " + numel() + " elements, not 1");
        return toDoubleArray()[0];
    }

    /** One element by index (slow; for tests and printing). */
    public double get(int... index) {
        if (index.length != shape.length)
            throw new IllegalArgumentException("get: index of rank " + index.length + " for a tensor " + Shape.str(shape));
        int off = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i])
                throw new IndexOutOfBoundsException("get: index " + Arrays.toString(index) + " out of " + Shape.str(shape));
            off += index[i] * strides[i];
        }
        return Tensor.view(storage, new int[0], new int[0], off).toDoubleArray()[0];
    }

    /**
     * Overwrites this tensor's elements with src's (same shape; converts dtype). A data update
     * outside autodiff — for optimizers and loading weights — so it refuses tensors on the tape
     * unless they are leaves.
     */
    public void copyFrom(Tensor src) {
        if (!Arrays.equals(src.shape, shape))
            throw new IllegalArgumentException("copyFrom: source " + Shape.str(src.shape) + " does not match "
                    + Shape.str(shape));
        if (meta != null && meta.node != null)
            throw new IllegalStateException("copyFrom: cannot overwrite a tensor computed on the tape");
        Backend.of(this).copyInto(src, this);
    }

    // ---- autodiff state -----------------------------------------------------------------------

    /** Marks a leaf as a parameter whose gradient backward() accumulates. */
    public Tensor requiresGrad(boolean on) {
        if (meta != null && meta.node != null)
            throw new IllegalStateException("requiresGrad: only leaf tensors can be marked; this one was computed by op '"
                    + meta.node.op.name() + "' (use detach() first)");
        meta = on ? (meta != null ? meta : new Autograd.Meta(null)) : null;
        return this;
    }

    /** Whether this tensor is a leaf whose gradient backward() accumulates, or was computed from one. */
    public boolean requiresGrad() {
        return meta != null;
    }

    /** The gradient accumulated by backward() (leaves only), or null. */
    public Tensor grad() {
        return meta == null ? null : meta.grad;
    }

    /** Replaces the accumulated gradient (e.g. after clipping); null clears it. */
    public void setGrad(Tensor g) {
        if (meta == null || meta.node != null)
            throw new IllegalStateException("setGrad: only leaf tensors with requiresGrad have a gradient");
        if (g != null && !Arrays.equals(g.shape, shape))
            throw new IllegalArgumentException("setGrad: gradient " + Shape.str(g.shape) + " for a tensor " + Shape.str(shape));
        meta.grad = g;
    }

    /** Clears the accumulated gradient (a leaf's grad() becomes null). */
    public void zeroGrad() {
        if (meta != null) meta.grad = null;
    }

    /** backward() from a one-element tensor: accumulates gradients into the leaves. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** The same data with no tape and no tangents: a constant (also for an untaped jvp tangent). */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset, null, NO_LEVELS, NO_TANGENTS);
    }

    /** A new object over the same data with no tape and no tangents (an op's output must not alias its input's state). */
    Tensor shallowCopy() {
        return new Tensor(storage, shape, strides, offset, null, NO_LEVELS, NO_TANGENTS);
    }

    Tensor primalView() {
        if (tangentLevels.length == 0) return this;
        return flagged(new Tensor(storage, shape, strides, offset, meta, NO_LEVELS, NO_TANGENTS), untapedTangent);
    }

    private static Tensor flagged(Tensor t, boolean untaped) {
        t.untapedTangent = untaped;
        return t;
    }

    /** A new leaf that requires grad, over the same data and with the same tangents (for the transforms). */
    Tensor leafWithTangents() {
        return new Tensor(storage, shape, strides, offset, new Autograd.Meta(null), tangentLevels, tangents);
    }

    /** A new object over the same view, tape place and tangents, marked as an untaped tangent. */
    Tensor markedUntapedTangent() {
        return flagged(new Tensor(storage, shape, strides, offset, meta, tangentLevels, tangents), true);
    }

    int[] tangentLevels() {
        return tangentLevels;
    }

    Tensor tangentAt(int level) {
        for (int i = 0; i < tangentLevels.length; i++)
            if (tangentLevels[i] == level) return tangents[i];
        return null;
    }

    Tensor withTangent(int level, Tensor t) {
        int n = tangentLevels.length;
        int[] lv = Arrays.copyOf(tangentLevels, n + 1);
        Tensor[] ts = Arrays.copyOf(tangents, n + 1);
        for (int i = 0; i < n; i++)
            if (lv[i] == level) {
                lv = tangentLevels.clone();
                ts = tangents.clone();
                ts[i] = t;
                return flagged(new Tensor(storage, shape, strides, offset, meta, lv, ts), untapedTangent);
            }
        lv[n] = level;
        ts[n] = t;
        return flagged(new Tensor(storage, shape, strides, offset, meta, lv, ts), untapedTangent);
    }

    Tensor withoutTangent(int level) {
        int idx = -1;
        for (int i = 0; i < tangentLevels.length; i++)
            if (tangentLevels[i] == level) idx = i;
        if (idx < 0) return this;
        int n = tangentLevels.length;
        int[] lv = new int[n - 1];
        Tensor[] ts = new Tensor[n - 1];
        for (int i = 0, j = 0; i < n; i++)
            if (i != idx) {
                lv[j] = tangentLevels[i];
                ts[j++] = tangents[i];
            }
        return flagged(new Tensor(storage, shape, strides, offset, meta, lv, ts), untapedTangent);
    }

    // ---- elementwise ------------------------------------------------------------------------

    /** this + o elementwise, NumPy broadcasting; same dtype and device. */
    public Tensor add(Tensor o) { return new Add().apply(this, o); }
    /** this - o elementwise, NumPy broadcasting. */
    public Tensor sub(Tensor o) { return new Sub().apply(this, o); }
    /** this * o elementwise, NumPy broadcasting. */
    public Tensor mul(Tensor o) { return new Mul().apply(this, o); }
    /** this / o elementwise, NumPy broadcasting. */
    public Tensor div(Tensor o) { return new Div().apply(this, o); }
    /** this + c. */
    public Tensor add(double c) { return c == 0 ? this : new AddScalar(c).apply(this); }
    /** this - c. */
    public Tensor sub(double c) { return add(-c); }
    /** this * c. */
    public Tensor mul(double c) { return c == 1 ? this : new Scale(c).apply(this); }
    /** this / c. */
    public Tensor div(double c) { return mul(1.0 / c); }
    /** c - this */
    public Tensor rsub(double c) { return neg().add(c); }
    /** -this. */
    public Tensor neg() { return new Unary(UnaryFn.NEG).apply(this); }
    /** this^2 elementwise. */
    public Tensor square() { return new Unary(UnaryFn.SQUARE).apply(this); }
    /** this^p elementwise (fractional p needs positive inputs). */
    public Tensor pow(double p) { return new PowScalar(p).apply(this); }
    /** e^x elementwise. */
    public Tensor exp() { return new Unary(UnaryFn.EXP).apply(this); }
    /** Natural logarithm elementwise. */
    public Tensor log() { return new Unary(UnaryFn.LOG).apply(this); }
    /** Square root elementwise. */
    public Tensor sqrt() { return new Unary(UnaryFn.SQRT).apply(this); }
    /** 1 / sqrt(x) elementwise. */
    public Tensor rsqrt() { return new Unary(UnaryFn.RSQRT).apply(this); }
    /** sin(x) elementwise. */
    public Tensor sin() { return new Unary(UnaryFn.SIN).apply(this); }
    /** cos(x) elementwise. */
    public Tensor cos() { return new Unary(UnaryFn.COS).apply(this); }
    /** tanh(x) elementwise. */
    public Tensor tanh() { return new Unary(UnaryFn.TANH).apply(this); }
    /** 1 / (1 + e^-x) elementwise. */
    public Tensor sigmoid() { return new Unary(UnaryFn.SIGMOID).apply(this); }
    /** x sigmoid(x) elementwise. */
    public Tensor silu() { return new Unary(UnaryFn.SILU).apply(this); }
    /** max(x, 0) elementwise (derivative 0 at 0). */
    public Tensor relu() { return new Unary(UnaryFn.RELU).apply(this); }
    /** |x| elementwise (derivative 0 at 0). */
    public Tensor abs() { return new Unary(UnaryFn.ABS).apply(this); }
    /** 1 / x elementwise. */
    public Tensor reciprocal() { return new Unary(UnaryFn.RECIPROCAL).apply(this); }
    /** min(max(x, lo), hi) elementwise; the derivative is 1 inside [lo, hi], 0 outside. */
    public Tensor clamp(double lo, double hi) { return new Clamp(lo, hi).apply(this); }

    /** Masks (1 where true, 0 elsewhere; same dtype, no gradient). */
    public Tensor gt(Tensor o) { return new Compare(BinaryFn.GT).apply(this, o); }
    /** Mask of this &gt;= o (broadcasting). */
    public Tensor ge(Tensor o) { return new Compare(BinaryFn.GE).apply(this, o); }
    /** Mask of this &lt; o (broadcasting). */
    public Tensor lt(Tensor o) { return new Compare(BinaryFn.LT).apply(this, o); }
    /** Mask of this &lt;= o (broadcasting). */
    public Tensor le(Tensor o) { return new Compare(BinaryFn.LE).apply(this, o); }
    /** Mask of this == o (broadcasting). */
    public Tensor eq(Tensor o) { return new Compare(BinaryFn.EQ).apply(this, o); }
    /** Mask of this &gt; c. */
    public Tensor gt(double c) { return gt(scalarLike(c)); }
    /** Mask of this &gt;= c. */
    public Tensor ge(double c) { return ge(scalarLike(c)); }
    /** Mask of this &lt; c. */
    public Tensor lt(double c) { return lt(scalarLike(c)); }
    /** Mask of this &lt;= c. */
    public Tensor le(double c) { return le(scalarLike(c)); }

    /** A rank-0 tensor of this dtype and device. */
    public Tensor scalarLike(double c) {
        return full(dtype(), device(), c);
    }

    // ---- reductions ---------------------------------------------------------------------------

    /** Sum over all elements (rank 0). */
    public Tensor sum() { return new Sum(new int[0], false).apply(this); }
    /** Sum over axes (all when empty); keepDims keeps them with length 1. */
    public Tensor sum(int[] axes, boolean keepDims) { return new Sum(axes, keepDims).apply(this); }
    /** Sum over one axis. */
    public Tensor sum(int axis, boolean keepDims) { return sum(new int[] {axis}, keepDims); }
    /** Mean over all elements (rank 0). */
    public Tensor mean() { return F.mean(this, new int[0], false); }
    /** Mean over axes (all when empty). */
    public Tensor mean(int[] axes, boolean keepDims) { return F.mean(this, axes, keepDims); }
    /** Maximum over axes (all when empty); the gradient is shared equally among tied maxima. */
    public Tensor max(int[] axes, boolean keepDims) { return new Max(axes, keepDims).apply(this); }
    /** Maximum over all elements (rank 0). */
    public Tensor max() { return new Max(new int[0], false).apply(this); }

    /**
     * Index of the largest element along axis (the first one on ties; NaN counts as largest):
     * this shape without that axis, values 0..size(axis)-1 in this dtype and on this device. A
     * constant: no tangent, not on the tape. Reads the values on the host.
     */
    public Tensor argmax(int axis) {
        int a = Shape.axis("argmax", axis, dim());
        if (shape[a] == 0) throw new IllegalArgumentException("argmax: axis " + a + " of " + Shape.str(shape) + " is empty");
        double[] v = toDoubleArray();
        int inner = 1;
        for (int i = a + 1; i < shape.length; i++) inner *= shape[i];
        int outer = numel() / (inner * shape[a]), n = shape[a];
        double[] idx = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++) {
                int base = o * n * inner + j, best = 0;
                for (int k = 1; k < n && !Double.isNaN(v[base + best * inner]); k++) {
                    double x = v[base + k * inner];
                    if (x > v[base + best * inner] || Double.isNaN(x)) best = k;
                }
                idx[o * inner + j] = best;
            }
        int[] out = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) if (i != a) out[k++] = shape[i];
        return Backend.of(device()).fromArray(idx, out).to(dtype());
    }

    // ---- linear algebra -----------------------------------------------------------------------

    /**
     * NumPy's matmul. Rank 2 and more: batched matrix product (see {@link MatMul}): (..., M, K) x
     * (..., K, N) -> (..., M, N), a rank-2 operand shared across the other's batch. A 1-D operand
     * is a vector: (K) x (..., K, N) -> (..., N), (..., M, K) x (K) -> (..., M), and (K) x (K) is
     * the dot product (rank 0). Throws on rank 0 or mismatched K.
     */
    public Tensor matmul(Tensor o) {
        if (dim() >= 2 && o.dim() >= 2) return new MatMul(false, false).apply(this, o);
        if (dim() == 0 || o.dim() == 0)
            throw new IllegalArgumentException("matmul: operands " + Shape.str(shape) + " and " + Shape.str(o.shape)
                    + " need rank 1 or more (use mul for a scalar)");
        int ka = shape[dim() - 1], kb = o.dim() == 1 ? o.shape[0] : o.shape[o.dim() - 2];
        if (ka != kb)
            throw new IllegalArgumentException("matmul: " + Shape.str(shape) + " and " + Shape.str(o.shape)
                    + " do not chain: inner dimensions " + ka + " and " + kb + " differ");
        Tensor a = dim() == 1 ? reshape(1, shape[0]) : this, b = o.dim() == 1 ? o.reshape(o.shape[0], 1) : o;
        Tensor y = new MatMul(false, false).apply(a, b);
        int[] s = y.shape;
        int drop = (dim() == 1 ? 1 : 0) + (o.dim() == 1 ? 1 : 0);
        int[] out = Arrays.copyOf(s, s.length - drop);
        if (dim() == 1 && o.dim() != 1) out[out.length - 1] = s[s.length - 1];
        return y.reshape(out);
    }

    // ---- shape ------------------------------------------------------------------------------

    /** A view when the data allows it, a copy otherwise. One dimension may be -1. */
    public Tensor reshape(int... newShape) { return new Reshape(newShape).apply(this); }
    /** The elements as rank 1, row-major (a view when contiguous). */
    public Tensor flatten() { return reshape(numel()); }
    /** Axes reordered: axis i of the result is axis perm[i] of this (a view). */
    public Tensor permute(int... perm) { return new Permute(perm).apply(this); }

    /** Axes a and b swapped (a view). */
    public Tensor transpose(int a, int b) {
        int[] p = new int[dim()];
        for (int i = 0; i < p.length; i++) p[i] = i;
        a = Shape.axis("transpose", a, dim());
        b = Shape.axis("transpose", b, dim());
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /**
     * Entries at the given indices along axis (repeats allowed): x's shape with index.length on
     * that axis; an embedding lookup is {@code table.indexSelect(0, ids)}. Differentiable (op
     * {@link IndexSelect}; its VJP sums the cotangents of repeated indices). Throws on an index
     * outside [0, size(axis)).
     */
    public Tensor indexSelect(int axis, int... index) { return new IndexSelect(axis, index).apply(this); }

    /** Entry i along axis with that axis removed (NumPy's x[i] for axis 0; a view). */
    public Tensor select(int axis, int i) {
        int a = Shape.axis("select", axis, dim());
        if (i < 0 || i >= shape[a])
            throw new IndexOutOfBoundsException("select: index " + i + " outside [0, " + shape[a] + ") on axis " + a + " of "
                    + Shape.str(shape));
        int[] out = new int[shape.length - 1];
        for (int k = 0, j = 0; k < shape.length; k++) if (k != a) out[j++] = shape[k];
        return slice(a, i, i + 1).reshape(out);
    }

    /** Elements start..end-1 along axis (a view). */
    public Tensor slice(int axis, int start, int end) { return new Slice(axis, start, end).apply(this); }
    /** Broadcast to a larger shape (a view with stride 0). */
    public Tensor expand(int... newShape) { return new Expand(newShape).apply(this); }
    /** This tensor when already row-major without gaps, else a row-major copy. */
    public Tensor contiguous() { return new Contiguous().apply(this); }
    /** This tensor in dtype d (itself when already d; the gradient converts back). */
    public Tensor to(DType d) { return d == dtype() ? this : new Cast(d).apply(this); }

    // ---- printing -----------------------------------------------------------------------------

    /** Tensors with more elements than this print summarised: EDGE entries at each end of each axis. */
    private static final int PRINT_ALL = 1000, EDGE = 3;

    /**
     * Values (all of them up to 1000 elements, else the first and last three along each axis with
     * "..." between, as NumPy does), shape, dtype, device when not the CPU, autodiff state, and
     * the tangent it carries for each dual level.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("tensor(");
        appendValues(b);
        b.append(", shape=").append(Shape.str(shape)).append(", dtype=").append(dtype());
        if (device() != Device.CPU) b.append(", device=").append(device());
        if (meta != null) b.append(meta.node != null ? ", op=" + meta.node.op.name() : ", requiresGrad");
        for (int i = 0; i < tangentLevels.length; i++) {
            b.append(", tangent@level").append(tangentLevels[i]).append('=');
            tangents[i].appendValues(b);
        }
        return b.append(')').toString();
    }

    private void appendValues(StringBuilder b) {
        boolean all = numel() <= PRINT_ALL;
        double[] v = all ? toDoubleArray() : null;
        format(b, v, 0, new int[shape.length], all);
    }

    /** Appends the entries of axis dim at index idx[0..dim) (all, or EDGE at each end). */
    private void format(StringBuilder b, double[] v, int dim, int[] idx, boolean all) {
        if (dim == shape.length) {
            b.append(fmt(all ? v[rowMajor(idx)] : get(idx)));
            return;
        }
        b.append('[');
        int n = shape[dim];
        boolean cut = !all && n > 2 * EDGE;
        for (int i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                b.append(", ...");
                i = n - EDGE;
            }
            if (i > 0) b.append(", ");
            idx[dim] = i;
            format(b, v, dim + 1, idx, all);
        }
        b.append(']');
    }

    private int rowMajor(int[] idx) {
        int k = 0;
        for (int i = 0; i < idx.length; i++) k = k * shape[i] + idx[i];
        return k;
    }

    private static String fmt(double x) {
        if (x == Math.rint(x) && Math.abs(x) < 1e6) return String.valueOf((long) x) + ".";
        return String.format(java.util.Locale.ROOT, "%.4g", x);
    }
}
