package tangent.scm;

import java.util.function.Function;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.GradMode;
import tangent.core.Rng;
import tangent.core.Tensor;
import tangent.nn.ClassConditioned;
import tangent.nn.TimeConditioned;

/**
 * The training objectives of shared/spec/scm.md, generic over any {@link TimeConditioned} network
 * (the U-Net for images, the MLP for 2-D toys):
 *
 * <ul>
 *   <li>{@link Method#TEACHER}: TrigFlow v-prediction diffusion loss with adaptive weighting,
 *       {@code L = mean_b[ exp(w)/D ||sigma_d F(x_t/sigma_d, t) - v||^2 - w ]};</li>
 *   <li>{@link Method#SCT} / {@link Method#SCD}: the continuous-time consistency loss, with v the
 *       true velocity (sCT) or the fixed teacher's estimate (sCD).</li>
 * </ul>
 *
 * The sCT/sCD step makes ONE forward pass of the network: inside one dual level with recording on,
 * {@code net.forward(dual(x_t/sigma_d, cos t sin t v/sigma_d), dual(t, cos t sin t))} yields the
 * taped primal F (differentiable w.r.t. the parameters) and its untaped tangent J; Fm is F
 * detached. Only F and w carry gradients; Fm, J and g are constants.
 *
 * <p>Everything runs in the dtype of the data batch (float32 for training, float64 in tests).
 */
public final class ScmObjective {
    public enum Method {
        TEACHER, SCT, SCD;

        public static Method parse(String s) {
            for (Method m : values()) if (m.name().equalsIgnoreCase(s)) return m;
            throw new IllegalArgumentException("unknown method '" + s + "' (teacher, sct, scd)");
        }
    }

    /** Tangent warmup length: r = min(1, step / H). */
    public static final double WARMUP_H = 10000;
    /** Tangent normalisation constant: g / (||g|| + c). */
    public static final double NORM_C = 0.1;

    private final TrigFlow tf;
    private final Method method;
    private final TimeConditioned net;
    private final Function<Tensor, Tensor> weight;
    private final TimeConditioned teacher;
    private double warmupSteps = WARMUP_H;
    private double normC = NORM_C;
    private double labelDropout = 0.1, guidance = 1.0;

    /**
     * @param net     F_theta, the network being trained
     * @param weight  w(t): (B,) times to (B,) or (B, 1) log-weights (the AdaptiveWeight head), trained too
     * @param teacher the fixed teacher for sCD (null otherwise); evaluated under noGrad
     */
    public ScmObjective(TrigFlow tf, Method method, TimeConditioned net, Function<Tensor, Tensor> weight, TimeConditioned teacher) {
        if (method == Method.SCD && teacher == null) throw new IllegalArgumentException("sCD needs a teacher network");
        this.tf = tf;
        this.method = method;
        this.net = net;
        this.weight = weight;
        this.teacher = teacher;
    }

    public ScmObjective warmupSteps(double h) {
        if (!(h >= 0)) throw new IllegalArgumentException("warmup steps must be >= 0, got " + h);
        this.warmupSteps = h;
        return this;
    }

    public ScmObjective normC(double c) {
        if (!(c > 0)) throw new IllegalArgumentException("normalisation constant must be > 0, got " + c);
        this.normC = c;
        return this;
    }

    /** Teacher training with labels: the probability of replacing a label by the null label (default 0.1). */
    public ScmObjective labelDropout(double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("label dropout must be in [0, 1], got " + p);
        this.labelDropout = p;
        return this;
    }

    /** sCD with labels: the guidance scale w of the teacher the student learns (default 1: the conditional teacher). */
    public ScmObjective guidance(double w) {
        if (!Double.isFinite(w)) throw new IllegalArgumentException("guidance scale must be finite, got " + w);
        this.guidance = w;
        return this;
    }

    public Method method() {
        return method;
    }

    public TrigFlow trigFlow() {
        return tf;
    }

    /** One training loss on a data batch x0 (B, ...): draws z ~ N(0, sigma_d^2 I) and t from the proposal. */
    public Tensor loss(Tensor x0, Rng rng, long step) {
        return loss(x0, (Tensor) null, rng, step);
    }

    /**
     * The loss of a class-conditional network on a labelled batch (labels (B,) in 0..K-1): the
     * teacher sees each label dropped to the null label with probability {@link #labelDropout}; sCT
     * and sCD students learn F(., ., y), sCD's velocity coming from the teacher guided at scale
     * {@link #guidance} ({@link Guidance#guided}).
     */
    public Tensor loss(Tensor x0, int[] labels, Rng rng, long step) {
        if (!(net instanceof ClassConditioned cnet) || cnet.classes() < 1)
            throw new IllegalArgumentException("labels need a class-conditional network");
        int b = x0.size(0);
        Tensor t = tf.sampleTimes(rng, b, x0.dtype());
        Tensor z = rng.normal(x0.dtype(), x0.shape()).mul(tf.sigmaD);
        int[] y = method == Method.TEACHER ? Guidance.dropLabels(labels, cnet.classes(), labelDropout, rng) : labels;
        TimeConditioned teacherView = method == Method.SCD ? Guidance.guided((ClassConditioned) teacher, labels, guidance) : null;
        return loss(x0, z, t, step, cnet.withLabels(y), teacherView);
    }

    /**
     * Like {@link #loss(Tensor, Rng, long)}, with the teacher's and sCT's velocity target estimated
     * from a reference batch of data (R, ...) instead of the one sample ({@link StableTarget}); sCD
     * takes its teacher's velocity and ignores the references. reference null: the one sample.
     */
    public Tensor loss(Tensor x0, Tensor reference, Rng rng, long step) {
        int b = x0.size(0);
        Tensor t = tf.sampleTimes(rng, b, x0.dtype());
        Tensor z = rng.normal(x0.dtype(), x0.shape()).mul(tf.sigmaD);
        return loss(x0, z, t, step, net, teacher, reference);
    }

    /** The loss for given noise z (already scaled by sigma_d) and times t (B,): a taped scalar. */
    public Tensor loss(Tensor x0, Tensor z, Tensor t, long step) {
        return loss(x0, z, t, step, net, teacher);
    }

    private Tensor loss(Tensor x0, Tensor z, Tensor t, long step, TimeConditioned net, TimeConditioned teacher) {
        return loss(x0, z, t, step, net, teacher, null);
    }

    private Tensor loss(Tensor x0, Tensor z, Tensor t, long step, TimeConditioned net, TimeConditioned teacher, Tensor reference) {
        Tensor xt, v;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            xt = TrigFlow.interpolate(x0, z, t);                 // x_t = cos t x0 + sin t z
            v = method == Method.SCD
                    ? tf.drift(teacher, xt, t)                   // v = sigma_d F_teacher(x_t / sigma_d, t)
                    : reference != null
                    ? StableTarget.velocity(x0, z, t, reference, tf.sigmaD)   // ~ E[v | x_t] over the references
                    : TrigFlow.velocity(x0, z, t);               // v = cos t z - sin t x0
        }
        Tensor w = logWeight(t);
        if (method == Method.TEACHER) {
            Tensor f = net.forward(xt.div(tf.sigmaD), t);
            return diffusionLoss(f, v, w, tf.sigmaD);
        }
        return consistencyLoss(net, xt, v, t, w, warmup(step, warmupSteps));
    }

    /** w(t) as (B,). */
    public Tensor logWeight(Tensor t) {
        Tensor w = weight.apply(t);
        return w.dim() == 1 ? w : w.reshape(t.size(0));
    }

    private Tensor consistencyLoss(TimeConditioned net, Tensor xt, Tensor v, Tensor t, Tensor w, double r) {
        int rank = xt.dim();
        Tensor cs;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            cs = t.cos().mul(t.sin());                                    // cos t sin t, (B,)
        }
        Tensor f, fm, jac;
        try (ForwardAD.DualLevel level = ForwardAD.enter()) {
            Tensor xin, dx;
            try (GradMode.Scope ignored = GradMode.noGrad()) {
                xin = xt.div(tf.sigmaD);                                   // x_t / sigma_d
                dx = TrigFlow.perSample(cs, rank).mul(v).div(tf.sigmaD);   // cos t sin t v / sigma_d
            }
            // the single forward pass: taped primal + untaped tangent
            Tensor y = net.forward(level.dual(xin, dx), level.dual(t, cs));
            jac = level.tangent(y).detach();   // J = cos t sin t dF/dt along the trajectory
            f = level.primal(y);               // F, on the tape
            fm = f.detach();                   // Fm = F with stop-gradient
        }
        Tensor g;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            g = tangentTarget(fm, jac, v, xt, t, r, tf.sigmaD);
            g = normalizePerSample(g, normC);
        }
        return consistencyLoss(f, fm, g, w);
    }

    // ---- the formulas (public so the tests check each against plain double arithmetic) --------

    /** r = min(1, step / H); H = 0 means no warmup (r = 1). */
    public static double warmup(long step, double h) {
        if (h <= 0) return 1.0;
        return Math.min(1.0, step / h);
    }

    /** g = -cos^2 t (sigma_d Fm - v) - r (cos t sin t x_t + sigma_d J). All (B, ...), t (B,). */
    public static Tensor tangentTarget(Tensor fm, Tensor jac, Tensor v, Tensor xt, Tensor t, double r, double sigmaD) {
        Tensor tb = TrigFlow.perSample(t, xt.dim());
        Tensor cos = tb.cos(), sin = tb.sin();
        Tensor first = cos.square().mul(fm.mul(sigmaD).sub(v)).neg();
        Tensor second = cos.mul(sin).mul(xt).add(jac.mul(sigmaD)).mul(r);
        return first.sub(second);
    }

    /** g / (||g||_2 + c), the norm per sample over all elements. */
    public static Tensor normalizePerSample(Tensor g, double c) {
        Tensor norm = F.l2NormPerSample(g).add(c);
        return g.div(TrigFlow.perSample(norm, g.dim()));
    }

    /** mean over the batch of [ exp(w) / D ||F - Fm - g||^2 - w ], D = elements per sample. */
    public static Tensor consistencyLoss(Tensor f, Tensor fm, Tensor g, Tensor w) {
        return weighted(F.sumSquaresPerSample(f.sub(fm).sub(g)), w, perSampleElements(f));
    }

    /** mean over the batch of [ exp(w) / D ||sigma_d F - v||^2 - w ]. */
    public static Tensor diffusionLoss(Tensor f, Tensor v, Tensor w, double sigmaD) {
        return weighted(F.sumSquaresPerSample(f.mul(sigmaD).sub(v)), w, perSampleElements(f));
    }

    private static Tensor weighted(Tensor sq, Tensor w, long d) {
        return w.exp().mul(sq).div((double) d).sub(w).mean();
    }

    private static long perSampleElements(Tensor x) {
        return x.numel() / x.size(0);
    }
}
