package tangent.core.backend;

/** Elementwise functions of two broadcast arguments. Comparisons give 1 (true) or 0 (false). */
public enum BinaryFn {
    ADD, SUB, MUL, DIV, GT, GE, LT, LE, EQ;

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
            default: throw new AssertionError(this);
        }
    }
}
