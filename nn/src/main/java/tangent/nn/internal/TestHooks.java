package tangent.nn.internal;

/**
 * Switches for tests, kept out of the API: module tangent.nn does not export this package. Tests
 * in the nn module (patched into it) and on the class path (scm's) set them.
 */
public final class TestHooks {
    private TestHooks() {}

    /** Optimizers take the Tensor-op path even where a fused device kernel is registered. */
    public static volatile boolean optimizerTensorOps;
    /** Ema takes the Tensor-op path even where a fused device kernel is registered. */
    public static volatile boolean emaTensorOps;
}
