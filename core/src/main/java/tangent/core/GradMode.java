package tangent.core;

/**
 * Whether ops record onto the tape. {@code try (var g = GradMode.noGrad()) { ... }} pauses
 * recording for a block (optimizer updates, sampling, tangent rules).
 */
public final class GradMode {
    private GradMode() {}

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    /** Whether ops on this thread record onto the tape (true unless a noGrad scope is open). */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** A scope that sets recording on or off and restores the previous state on close. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;

        private Scope(boolean enabled) {
            boolean[] s = ENABLED.get();
            previous = s[0];
            s[0] = enabled;
        }

        @Override
        public void close() {
            ENABLED.get()[0] = previous;
        }
    }

    /** Pauses recording on this thread until the scope closes. */
    public static Scope noGrad() {
        return new Scope(false);
    }

    /** Resumes recording on this thread (inside a noGrad block) until the scope closes. */
    public static Scope enableGrad() {
        return new Scope(true);
    }
}
