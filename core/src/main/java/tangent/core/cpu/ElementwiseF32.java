package tangent.core.cpu;

import tangent.core.backend.BinaryFn;
import tangent.core.backend.UnaryFn;

/** float32 elementwise loops, one per function, so the JIT can vectorise the simple ones. */
final class ElementwiseF32 {
    private ElementwiseF32() {}

    /** o[i] = fn(a[off + i]) for i in [lo, hi). */
    static void unary(UnaryFn fn, float[] a, int off, float[] o, int lo, int hi, float p1, float p2) {
        switch (fn) {
            case NEG: for (int i = lo; i < hi; i++) o[i] = -a[off + i]; return;
            case SQUARE: for (int i = lo; i < hi; i++) { float v = a[off + i]; o[i] = v * v; } return;
            case SCALE: for (int i = lo; i < hi; i++) o[i] = p1 * a[off + i]; return;
            case ADD_SCALAR: for (int i = lo; i < hi; i++) o[i] = a[off + i] + p1; return;
            case RELU: for (int i = lo; i < hi; i++) o[i] = Math.max(a[off + i], 0f); return;
            case ABS: for (int i = lo; i < hi; i++) o[i] = Math.abs(a[off + i]); return;
            case RECIPROCAL: for (int i = lo; i < hi; i++) o[i] = 1f / a[off + i]; return;
            case SQRT: for (int i = lo; i < hi; i++) o[i] = (float) Math.sqrt(a[off + i]); return;
            case RSQRT: for (int i = lo; i < hi; i++) o[i] = (float) (1.0 / Math.sqrt(a[off + i])); return;
            case CLAMP: for (int i = lo; i < hi; i++) o[i] = Math.min(Math.max(a[off + i], p1), p2); return;
            case EXP: for (int i = lo; i < hi; i++) o[i] = (float) Math.exp(a[off + i]); return;
            // Branch-free 1 / (1 + e^-x): exact in IEEE for any x (e^-x = inf gives 0), agrees with
            // UnaryFn.sigmoid to double rounding, and avoids a mispredicted branch per element.
            case SIGMOID: for (int i = lo; i < hi; i++) o[i] = (float) (1.0 / (1.0 + Math.exp(-a[off + i]))); return;
            case SILU:
                if (SimdSupport.AVAILABLE) { ElementwiseSimd.silu(a, off, o, lo, hi); return; }
                for (int i = lo; i < hi; i++) { float v = a[off + i]; o[i] = (float) (v / (1.0 + Math.exp(-v))); }
                return;
            case POW:
                if (p1 == 2f) { for (int i = lo; i < hi; i++) { float v = a[off + i]; o[i] = v * v; } return; }
                for (int i = lo; i < hi; i++) o[i] = (float) UnaryFn.pow(a[off + i], p1);
                return;
            default:
                for (int i = lo; i < hi; i++) o[i] = (float) fn.apply(a[off + i], p1, p2);
        }
    }

    /** o[po + j] = fn(a[pa + j*ia], b[pb + j*ib]) for j in [0, n). */
    static void binary(BinaryFn fn, float[] a, int pa, int ia, float[] b, int pb, int ib, float[] o, int po, int n) {
        if (fn == BinaryFn.SILU_BACKWARD) {
            if (SimdSupport.AVAILABLE) {
                // strided or broadcast operands are gathered first: every element takes the same vector path
                if (ia != 1) { float[] t = new float[n]; for (int j = 0; j < n; j++) t[j] = a[pa + j * ia]; a = t; pa = 0; }
                if (ib != 1) { float[] t = new float[n]; for (int j = 0; j < n; j++) t[j] = b[pb + j * ib]; b = t; pb = 0; }
                ElementwiseSimd.siluBackward(a, pa, b, pb, o, po, n);
                return;
            }
            for (int j = 0; j < n; j++) {
                double x = a[pa + j * ia], s = 1.0 / (1.0 + Math.exp(-x));
                o[po + j] = (float) (b[pb + j * ib] * (s * (1.0 + x * (1.0 - s))));
            }
            return;
        }
        if (ia == 1 && ib == 1) {
            switch (fn) {
                case ADD: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] + b[pb + j]; return;
                case SUB: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] - b[pb + j]; return;
                case MUL: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] * b[pb + j]; return;
                case DIV: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] / b[pb + j]; return;
                default: break;
            }
        } else if (ia == 1 && ib == 0) {
            float c = b[pb];
            switch (fn) {
                case ADD: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] + c; return;
                case SUB: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] - c; return;
                case MUL: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] * c; return;
                case DIV: for (int j = 0; j < n; j++) o[po + j] = a[pa + j] / c; return;
                default: break;
            }
        } else if (ia == 0 && ib == 1) {
            float c = a[pa];
            switch (fn) {
                case ADD: for (int j = 0; j < n; j++) o[po + j] = c + b[pb + j]; return;
                case SUB: for (int j = 0; j < n; j++) o[po + j] = c - b[pb + j]; return;
                case MUL: for (int j = 0; j < n; j++) o[po + j] = c * b[pb + j]; return;
                case DIV: for (int j = 0; j < n; j++) o[po + j] = c / b[pb + j]; return;
                default: break;
            }
        }
        for (int j = 0; j < n; j++) o[po + j] = (float) fn.apply(a[pa + j * ia], b[pb + j * ib]);
    }
}
