package tangent.cuda;

/**
 * Placeholder for the CUDA backend (our own kernels compiled by nvcc, launched through JCuda's
 * driver API). Until it lands, asking for the device fails loudly: there is no silent fallback
 * to the CPU.
 */
public final class Cuda {
    private Cuda() {}

    /** Whether a CUDA backend is built into this version (not yet). */
    public static boolean isAvailable() {
        return false;
    }

    /** Throws: the CUDA backend is not part of this build yet. */
    public static void init() {
        throw new UnsupportedOperationException("the CUDA backend is not built yet in this version of tangent; "
                + "run with --device cpu");
    }
}
