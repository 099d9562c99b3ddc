package tangent.core.backend;

/**
 * Elementwise functions of two broadcast arguments. Comparisons give 1 (true) or 0 (false).
 * SILU_BACKWARD is b * silu'(a) = b s (1 + a (1 - s)) with s = sigmoid(a): SiLU's chain rule in one
 * pass (op {@code silu_backward}).
 */
public enum BinaryFn {
    ADD, SUB, MUL, DIV, GT, GE, LT, LE, EQ, SILU_BACKWARD;

    /** The scalar definition every backend kernel must agree with. */
    public double apply(double a, double b) {
        switch (this) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            case GT: return a > b ? 1 : 0;
            case GE: return a >= b ? 1 : 0;
            case LT: return a < b ? 1 : 0;
            case LE: return a <= b ? 1 : 0;
            case EQ: return a == b ? 1 : 0;
            case SILU_BACKWARD: return b * siluDerivative(a);
            default: throw new AssertionError(this);
        }
    }

    /** silu'(x) = s (1 + x (1 - s)), s = sigmoid(x) = 1 / (1 + e^-x) (exact in IEEE for any x: e^-x = inf gives s = 0). */
    public static double siluDerivative(double x) {
        double s = 1.0 / (1.0 + Math.exp(-x));
        return s * (1.0 + x * (1.0 - s));
    }
}
