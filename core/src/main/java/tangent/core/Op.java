package tangent.core;

/**
 * A primitive: its forward computation, its forward-mode rule (JVP) and its reverse-mode rule
 * (VJP), side by side. Subclasses live in {@code tangent.core.ops}, one file per op, each with a
 * comment giving the math. Rules are written with other ops, so they run on any backend and can
 * be differentiated again; they are also the oracle that any fused kernel is tested against.
 *
 * <p>{@link #apply} is the one entry point (Autodidax's {@code bind}): it routes active dual
 * levels to {@link #jvp}, records the primal computation on the tape for {@link #vjp}, and runs
 * the NaN check when it is on.
 */
public abstract class Op {
    /** The op's name as it appears in errors, the registry and gradcheck, e.g. "conv2d". */
    public abstract String name();

    /**
     * y = f(x). Inputs are primal tensors (any tangents they carry are ignored); the result must be
     * a new Tensor object (a view of an input's storage is fine). Checks shapes first and throws
     * IllegalArgumentException naming the op and the shapes.
     */
    protected abstract Tensor forward(Tensor[] x);

    /**
     * dy = J(x) dx. dx[i] == null means a zero tangent and must cost nothing. Returns null when
     * the result is zero. Runs with recording paused; x and y may carry tangents of outer dual
     * levels, which is what makes nested jvp correct.
     */
    protected abstract Tensor jvp(Tensor[] x, Tensor y, Tensor[] dx);

    /**
     * The cotangents J(x)^T gy of the inputs. Only entries with needsGrad[i] must be filled (others
     * may be null); a null entry for a needed input means zero.
     */
    protected abstract Tensor[] vjp(Tensor[] x, Tensor y, Tensor gy, boolean[] needsGrad);

    /**
     * The cotangents, given also the residuals the forward saved (see {@link #forwardSaving}; null
     * when it saved none). Ops that save nothing keep the default, which ignores them. A rule may
     * compute from the residuals (or with a fused kernel) only when nothing differentiates through
     * it: recording off ({@link GradMode}) and no active tangent on x or gy
     * ({@link ForwardAD#carriesActiveTangent}); otherwise it must take the composite rule from x.
     */
    protected Tensor[] vjp(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        return vjp(x, y, gy, needsGrad);
    }

    /**
     * The VJP when gy is donated: the backward pass owns its buffer (compact, referenced nowhere
     * else) and drops it afterwards, so the rule may overwrite it and return it (e.g. scaled in
     * place). Same values as {@link #vjp(Tensor[], Tensor, Tensor[], Tensor, boolean[])}, the
     * default. Autograd calls it only without createGraph and when gy carries no tangent.
     */
    protected Tensor[] vjpDonated(Tensor[] x, Tensor y, Tensor[] saved, Tensor gy, boolean[] needsGrad) {
        return vjp(x, y, saved, gy, needsGrad);
    }

    /**
     * Optional reverse-mode shortcut for an op with one input: adds its cotangent for x[0] into
     * acc in place and returns true, where acc is the running cotangent of x[0] that the backward
     * pass owns (compact, referenced nowhere else) and the result equals acc + vjp(...)[0] element
     * for element (a zero sum may keep acc's sign of zero). Default false: Autograd then calls
     * {@link #vjp(Tensor[], Tensor, Tensor[], Tensor, boolean[])}. Autograd calls it only without
     * createGraph and when no tensor involved carries a tangent.
     */
    protected boolean vjpAddInto(Tensor acc, Tensor[] x, Tensor y, Tensor gy) {
        return false;
    }

    /**
     * y = f(x) together with residuals for the VJP: {y, saved...}. The residuals (e.g. a
     * normalisation's statistics) are held by the tape node and passed to
     * {@link #vjp(Tensor[], Tensor, Tensor[], Tensor, boolean[])}; a VJP may use them only when it
     * needs no derivative of its own. Default: {forward(x)}, nothing saved.
     */
    protected Tensor[] forwardSaving(Tensor[] x) {
        return new Tensor[] {forward(x)};
    }

    /**
     * Optional fused forward+JVP: {y, dy, saved...} computed together (dy may be null for a zero
     * tangent; saved as in {@link #forwardSaving}, optional), or null to use {@link #forward} then
     * {@link #jvp}. {@link #apply} offers it only when neither the inputs nor their tangents carry
     * a tangent of another active dual level (so no outer derivative needs the rules); the generic
     * pair stays the oracle that tests compare it with.
     */
    protected Tensor[] forwardJvp(Tensor[] x, Tensor[] dx) {
        return null;
    }

    /** The residuals of a {y, ...} result from index from on, or null when there are none. */
    private static Tensor[] residuals(Tensor[] r, int from) {
        return r.length > from ? java.util.Arrays.copyOfRange(r, from, r.length) : null;
    }

    /**
     * Runs the op with autodiff: the primal on the tape, tangents of active dual levels alongside.
     * For the top active level L among the inputs' tangents: strip L, apply the op to the primals
     * (recursively, for outer levels), then run the JVP rule on (primals, y, tangents). The JVP
     * rule runs with recording paused unless L records tangents (then it is on the tape too and
     * no fused kernel is used). The tape node made for the primal then holds the dual inputs and
     * output, so a backward pass inside L carries L's tangents through the VJP rule.
     */
    public final Tensor apply(Tensor... x) {
        int level = ForwardAD.topActiveLevel(x);
        if (level < 0) return applyPrimal(x);
        ForwardAD.DualLevel dual = ForwardAD.active(level);
        Tensor[] primals = new Tensor[x.length];
        Tensor[] tangents = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            tangents[i] = x[i].tangentAt(level);
            primals[i] = tangents[i] == null ? x[i] : x[i].withoutTangent(level);
        }
        // Record the tangent computation only where it can have a gradient: some input is on the tape.
        boolean recordTangent = dual.recordsTangents && GradMode.isEnabled() && onTape(primals, tangents);
        Tensor y = null, dy = null;
        if (!recordTangent && ForwardAD.topActiveLevel(primals) < 0 && ForwardAD.topActiveLevel(tangents) < 0) {
            checkInputs(primals);
            Tensor[] fused;
            long t0 = Profiler.ON ? System.nanoTime() : 0;
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                fused = forwardJvp(primals, tangents);
            }
            if (fused != null) {
                if (Profiler.ON) Profiler.add(Profiler.row(name() + "+jvp", primals), System.nanoTime() - t0, fused[0].numel());
                y = finishPrimal(primals, fused[0], residuals(fused, 2));
                dy = fused[1];
            }
        }
        if (y == null) {
            y = apply(primals);
            String phase = Profiler.ON ? Profiler.enter(Profiler.JVP) : null;
            try (GradMode.Scope ignored = recordTangent ? GradMode.enableGrad() : GradMode.noGrad()) {
                dy = jvp(primals, y, tangents);
            } finally {
                if (Profiler.ON) Profiler.exit(phase);
            }
        }
        if (dy == null) return y;
        if (!java.util.Arrays.equals(dy.shape(), y.shape()) || dy.dtype() != y.dtype())
            throw new IllegalStateException("jvp rule of '" + name() + "' returned a tangent " + Shape.str(dy.shape())
                    + " " + dy.dtype() + " for an output " + Shape.str(y.shape()) + " " + y.dtype());
        if (!recordTangent && GradMode.isEnabled() && !dy.untapedTangent && dependsOnTape(primals, tangents))
            dy = dy.markedUntapedTangent();
        Tensor out = y.withTangent(level, dy);
        if (y.meta != null && y.meta.node != null) Autograd.holdTangents(y.meta.node, x, out, dual);
        return out;
    }

    private static boolean onTape(Tensor[] primals, Tensor[] tangents) {
        for (Tensor t : primals) if (t.requiresGrad()) return true;
        for (Tensor t : tangents) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Whether a tangent computed from these (unrecorded) would have a gradient: some input is on the tape. */
    private static boolean dependsOnTape(Tensor[] primals, Tensor[] tangents) {
        for (Tensor t : primals) if (t.requiresGrad() || t.untapedTangent) return true;
        for (Tensor t : tangents) if (t != null && (t.requiresGrad() || t.untapedTangent)) return true;
        return false;
    }

    private void checkInputs(Tensor[] x) {
        for (Tensor t : x)
            if (t == null) throw new IllegalArgumentException(name() + ": an input is null");
        Device dev = x.length > 0 ? x[0].device() : Device.CPU;
        for (Tensor t : x)
            if (t.device() != dev)
                throw new IllegalArgumentException(name() + ": inputs are on different devices (" + dev + " and "
                        + t.device() + "); move them to one device first (tangent.cuda.Cuda.to)");
    }

    private Tensor applyPrimal(Tensor[] x) {
        checkInputs(x);
        Tensor[] r;
        if (Profiler.ON) {
            long t0 = System.nanoTime();
            r = forwardSaving(x);
            Profiler.add(Profiler.row(name(), x), System.nanoTime() - t0, r[0].numel());
        } else {
            r = forwardSaving(x);
        }
        return finishPrimal(x, r[0], residuals(r, 1));
    }

    /**
     * The primal output of x: never an input object itself; NaN-checked; recorded on the tape with
     * the residuals. An untaped tangent among the inputs marks the output, or, when the op is
     * recorded, is refused: its gradient would be silently dropped.
     */
    private Tensor finishPrimal(Tensor[] x, Tensor y, Tensor[] saved) {
        for (Tensor t : x)
            if (y == t) y = y.shallowCopy();
        if (CheckMode.nanCheck()) CheckMode.check(this, x, y);
        if (GradMode.isEnabled()) {
            boolean any = false, untaped = false;
            for (Tensor t : x) {
                any |= t.requiresGrad();
                untaped |= t.untapedTangent;
            }
            if (untaped && any)
                throw new IllegalStateException(name() + ": an input is the tangent of a jvp that was not recorded, and it"
                        + " depends on tensors that require grad, so its gradient would be dropped; open the level with"
                        + " ForwardAD.enter(true) (or jvp(..., createGraph = true)) to differentiate it, or detach() it to"
                        + " use it as a constant");
            if (any) Autograd.record(this, x, y, saved);
            else if (untaped) y.untapedTangent = true;
        }
        return y;
    }

    @Override
    public String toString() {
        return name();
    }
}
