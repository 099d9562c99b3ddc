package tangent.scm;

import java.util.Locale;
import tangent.core.DType;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.TimeConditioned;

/**
 * How samples are drawn from a trained network F: consistency sampling in 1 or 2 steps (sCT/sCD),
 * or the probability-flow ODE of a teacher integrated with a solver in a number of steps. The one
 * dispatch from a checkpoint's method and the command line's step count ({@link #forMethod}) to
 * {@link Samplers}.
 */
public record Sampler(Kind kind, int steps, Samplers.OdeSolver solver) {
    /** Consistency sampling (f applied 1 or 2 times) or the teacher's ODE. */
    public enum Kind { CONSISTENCY, ODE }

    /** More ODE steps than this are refused: the time grid and the run time grow with them, quality does not. */
    public static final int MAX_ODE_STEPS = 100_000;

    public Sampler {
        if (kind == Kind.CONSISTENCY && steps != 1 && steps != 2)
            throw new IllegalArgumentException("a consistency model samples with 1 or 2 steps, not " + steps);
        if (kind == Kind.ODE && (steps < 1 || steps > MAX_ODE_STEPS))
            throw new IllegalArgumentException("ODE steps must be in 1.." + MAX_ODE_STEPS + ", got " + steps);
    }

    public static Sampler consistency(int steps) {
        return new Sampler(Kind.CONSISTENCY, steps, null);
    }

    public static Sampler ode(int steps, Samplers.OdeSolver solver) {
        return new Sampler(Kind.ODE, steps, solver);
    }

    /**
     * The sampler for a network trained with method ("teacher", "sct", "scd"): a teacher integrates
     * its ODE with DDIM in {@code steps} steps; a consistency model takes 1 or 2 steps.
     */
    public static Sampler forMethod(String method, int steps) {
        return method.equals("teacher") ? ode(steps, Samplers.OdeSolver.DDIM) : consistency(steps);
    }

    /** Samples of the given shape (B, ...) from seeded noise; no gradients are recorded. */
    public Tensor draw(TrigFlow tf, TimeConditioned net, Rng rng, DType dtype, int... shape) {
        return switch (kind) {
            case CONSISTENCY -> steps == 1 ? Samplers.oneStep(tf, net, rng, dtype, shape) : Samplers.twoStep(tf, net, rng, dtype, shape);
            case ODE -> Samplers.teacherOde(tf, net, rng, steps, solver, dtype, shape);
        };
    }

    /** E.g. "2-step" or "16-step ddim". */
    public String label() {
        return kind == Kind.CONSISTENCY ? steps + "-step" : steps + "-step " + solver.name().toLowerCase(Locale.ROOT);
    }
}
