package tangent.core.cpu;

/**
 * Decides once whether the Vector API kernels ({@link GemmSimd}) are used. This class never touches
 * {@code jdk.incubator.vector} itself, so it loads on any JVM.
 *
 * <p>The SIMD path is used when all of these hold: the system property {@code tangent.simd} is
 * not {@code false}; the module {@code jdk.incubator.vector} is in the boot layer (the JVM was
 * started with {@code --add-modules jdk.incubator.vector}); its preferred float vector has at
 * least 8 lanes (256-bit, i.e. AVX2 or better — narrower or emulated vectors would be slower than
 * the pure-Java kernels); and a bit-exact self-test of the kernels passes. Otherwise the
 * pure-Java kernels run, with the same API and correct results (rounded differently: see
 * {@link GemmSimd}).
 */
final class SimdSupport {
    private SimdSupport() {}

    /** Minimum lanes of FloatVector.SPECIES_PREFERRED for the SIMD path. */
    static final int MIN_LANES = 8;

    /** True when the Vector API kernels are in use. */
    static final boolean AVAILABLE;
    /** Why (or why not), for diagnostics. */
    static final String REASON;

    static {
        boolean ok = false;
        String why;
        if ("false".equalsIgnoreCase(System.getProperty("tangent.simd", "true").trim())) {
            why = "disabled by -Dtangent.simd=false";
        } else if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "module jdk.incubator.vector not present (start java with --add-modules jdk.incubator.vector)";
        } else {
            try {
                int lanes = GemmSimd.L;
                if (lanes < MIN_LANES) {
                    why = "preferred float vector has " + lanes + " lanes (< " + MIN_LANES + ")";
                } else if (!GemmSimd.selfTest()) {
                    why = "self-test failed";
                } else {
                    ok = true;
                    why = "jdk.incubator.vector, " + lanes + " float lanes";
                }
            } catch (Throwable t) {
                why = "unusable: " + t;
            }
        }
        AVAILABLE = ok;
        REASON = why;
    }
}
