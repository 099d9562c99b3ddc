package tangent.core.backend;

/**
 * Elementwise functions of one argument that backends implement as kernels. Parametric ones read
 * p1 (and p2): SCALE y = p1 x, ADD_SCALAR y = x + p1, POW y = x^p1, CLAMP y = min(max(x, p1), p2).
 * {@link #apply} is the scalar definition every backend kernel must agree with.
 * Derivatives live with the ops (tangent.core.ops), not here.
 */
public enum UnaryFn {
    NEG, SQUARE, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, SIGMOID, SILU, RELU, ABS, RECIPROCAL,
    SCALE, ADD_SCALAR, POW, CLAMP;

    /** The name of the op applying this function, as errors and gradcheck print it. */
    public final String opName() {
        return name().toLowerCase();
    }

    /** The scalar definition (float64). */
    public double apply(double x, double p1, double p2) {
        switch (this) {
            case NEG: return -x;
            case SQUARE: return x * x;
            case EXP: return Math.exp(x);
            case LOG: return Math.log(x);
            case SQRT: return Math.sqrt(x);
            case RSQRT: return 1.0 / Math.sqrt(x);
            case SIN: return Math.sin(x);
            case COS: return Math.cos(x);
            case TANH: return Math.tanh(x);
            case SIGMOID: return sigmoid(x);
            case SILU: return x * sigmoid(x);
            case RELU: return x > 0 ? x : 0.0;
            case ABS: return Math.abs(x);
            case RECIPROCAL: return 1.0 / x;
            case SCALE: return p1 * x;
            case ADD_SCALAR: return x + p1;
            case POW: return pow(x, p1);
            case CLAMP: return Math.min(Math.max(x, p1), p2);
            default: throw new AssertionError(this);
        }
    }

    /** Logistic function, stable for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** x^p with the common integer exponents exact. */
    public static double pow(double x, double p) {
        if (p == 2) return x * x;
        if (p == 1) return x;
        if (p == 3) return x * x * x;
        if (p == 0.5) return Math.sqrt(x);
        if (p == -1) return 1.0 / x;
        return Math.pow(x, p);
    }
}
