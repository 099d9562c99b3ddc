package tangent.core;

/**
 * Opt-in numerical checks. With {@code CheckMode.nanCheck(true)} every op scans its output and
 * throws {@link NonFiniteException} naming the op that first produced a NaN or an infinity.
 * Off by default: it reads every output back, which costs time.
 */
public final class CheckMode {
    private CheckMode() {}

    private static volatile boolean nanCheck = Boolean.getBoolean("tangent.nanCheck");

    /** Turns the NaN check on or off for all threads (also -Dtangent.nanCheck=true). */
    public static void nanCheck(boolean on) {
        nanCheck = on;
    }

    /** Whether the NaN check is on. */
    public static boolean nanCheck() {
        return nanCheck;
    }

    /** Thrown by the NaN check; names the op and the output shape. */
    public static final class NonFiniteException extends ArithmeticException {
        private static final long serialVersionUID = 1L;

        /** An exception with the given message. */
        public NonFiniteException(String message) {
            super(message);
        }
    }

    static void check(Op op, Tensor[] inputs, Tensor y) {
        double[] v = y.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                StringBuilder in = new StringBuilder();
                for (Tensor x : inputs) in.append(in.length() == 0 ? "" : ", ").append(Shape.str(x.shape()));
                throw new NonFiniteException("op '" + op.name() + "' produced " + v[i] + " at flat index " + i
                        + " of its output " + Shape.str(y.shape()) + " (inputs " + in + ")");
            }
        }
    }
}
