package tangent.nn.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tangent.core.Device;
import tangent.core.GradMode;
import tangent.core.Tensor;
import tangent.core.cpu.CpuStorage;
import tangent.core.cpu.Parallel;
import tangent.nn.Devices;
import tangent.nn.Module;

/**
 * Base of the Adam family: per-parameter state (step, m, v) keyed by parameter name, updates in
 * place under {@link GradMode#noGrad}. A parameter without a gradient is skipped (its step does
 * not advance), as in PyTorch.
 *
 * <p>Parameters on the CPU are updated by the subclass's loop over their storage (unchanged).
 * Parameters on another device (CUDA) keep their state on that device and are updated by the
 * device's fused kernel ({@link DeviceKernels}) when one is registered, else by Tensor ops
 * computed from the same {@link Coefs} and written back with {@link Tensor#copyFrom}. The moments
 * follow their parameter: a step moves them to the parameter's device when it changed (see
 * {@link #rebind} for a model moved by {@link Module#to}).
 */
public abstract class Optimizer {
    /** Per-parameter state: the number of updates applied, first and second moments (param dtype). */
    public static final class State {
        public long step;
        public final Tensor m, v;

        /** State after step updates with moments m and v. */
        public State(long step, Tensor m, Tensor v) {
            this.step = step;
            this.m = m;
            this.v = v;
        }
    }

    /**
     * One step's coefficients for the device path, the same for all Adam-family optimizers:
     * <pre>
     * p0 = p;  g += l2 p0;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p = decay p0 - u
     * ADAM:        u = a m / (sqrt(v) / c + eps)
     * RADAM_RECT:  u = a (m / bc1) r c / (sqrt(v) + eps)
     * RADAM_PLAIN: u = a (m / bc1)
     * </pre>
     */
    public record Coefs(Mode mode, double decay, double l2, double b1, double b2, double a, double c, double eps, double bc1, double r) {}

    /** Which update formula of {@link Coefs} applies. */
    public enum Mode { ADAM, RADAM_RECT, RADAM_PLAIN }

    protected final Map<String, Tensor> params;
    protected final Map<String, State> state = new LinkedHashMap<>();
    public double lr;
    public final double beta1, beta2, eps, weightDecay;
    /** Weight decay applied to the weights directly (AdamW style: p *= 1 - lr wd) instead of added to the gradient. */
    public final boolean decoupled;

    /** Throws IllegalArgumentException on out-of-range hyperparameters, IllegalStateException on a parameter that is not a compact tensor. */
    protected Optimizer(Map<String, Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                        boolean decoupled) {
        if (lr < 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || eps < 0 || weightDecay < 0)
            throw new IllegalArgumentException(getClass().getSimpleName() + ": bad hyperparameters lr=" + lr + " betas=(" + beta1 + ", "
                    + beta2 + ") eps=" + eps + " weight_decay=" + weightDecay);
        this.params = new LinkedHashMap<>(params);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        for (Map.Entry<String, Tensor> e : this.params.entrySet()) {
            Buffers.checkParam(e.getValue(), "optimizer parameter '" + e.getKey() + "'");
            state.put(e.getKey(), new State(0, Buffers.zerosLike(e.getValue()), Buffers.zerosLike(e.getValue())));
        }
    }

    /** The short name saved in checkpoints ("adam", "radam"). */
    public abstract String kind();

    /** The parameters this optimizer updates, by name. */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /**
     * Points this optimizer at new tensors for its parameters, by the names it was built with
     * (same shapes and dtypes), e.g. after {@link Module#to} replaced them: the moments move to
     * each new parameter's device, step counts are kept. Names not given keep their tensor.
     */
    public void rebind(Map<String, Tensor> moved) {
        for (Map.Entry<String, Tensor> e : moved.entrySet()) {
            Tensor old = params.get(e.getKey()), p = e.getValue();
            if (old == null) throw new IllegalArgumentException(kind() + ": no parameter '" + e.getKey() + "' to rebind");
            if (!java.util.Arrays.equals(old.shape(), p.shape()) || old.dtype() != p.dtype())
                throw new IllegalArgumentException(kind() + ": parameter '" + e.getKey() + "' " + java.util.Arrays.toString(p.shape())
                        + " " + p.dtype() + " does not match " + java.util.Arrays.toString(old.shape()) + " " + old.dtype());
            Buffers.checkParam(p, "optimizer parameter '" + e.getKey() + "'");
            params.put(e.getKey(), p);
            follow(e.getKey(), p);
        }
    }

    /** Moves a parameter's moments to its device if they are elsewhere (they follow their parameter). */
    private State follow(String name, Tensor p) {
        State s = state.get(name);
        if (s.m.device() == p.device()) return s;
        State moved = new State(s.step, Devices.copy(s.m, p.device()), Devices.copy(s.v, p.device()));
        state.put(name, moved);
        return moved;
    }

    /** State by parameter name (live objects: checkpoints read and restore them). */
    public Map<String, State> state() {
        return Collections.unmodifiableMap(state);
    }

    /** Clears the gradient of every parameter. */
    public void zeroGrad() {
        for (Tensor p : params.values()) p.zeroGrad();
    }

    /** Applies one update to every parameter that has a gradient. */
    public void step() {
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                Tensor p = e.getValue();
                if (p.grad() == null) continue;
                State s = follow(e.getKey(), p);
                s.step++;
                if (p.device() != Device.CPU) {
                    deviceUpdate(p, p.grad(), s.m, s.v, s.step);
                    continue;
                }
                update(Buffers.storage(p, e.getKey()), Buffers.readable(p.grad()), Buffers.storage(s.m, "m"), Buffers.storage(s.v, "v"),
                        s.step, p.numel());
            }
        }
    }

    /** Elements per chunk of the CPU update (elementwise: the bits do not depend on the split). */
    private static final int GRAIN = 1 << 15;

    /**
     * Updates n elements of p in place with gradient g and moments m, v, at update number t
     * (1-based), in double precision, from the same {@link Coefs} as the device path; float32
     * storage rounds once per write. Chunks of elements run on the kernels' threads.
     */
    private void update(CpuStorage p, CpuStorage g, CpuStorage m, CpuStorage v, long t, int n) {
        Coefs c = coefs(t);
        if (p.f != null && g.f != null && m.f != null && v.f != null) {
            float[] pf = p.f, gf = g.f, mf = m.f, vf = v.f;
            Parallel.forRange(n, GRAIN, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    double pi = pf[i] * c.decay();
                    double gi = gf[i] + c.l2() * pf[i];
                    double mi = c.b1() * mf[i] + (1 - c.b1()) * gi;
                    double vi = c.b2() * vf[i] + (1 - c.b2()) * gi * gi;
                    mf[i] = (float) mi;
                    vf[i] = (float) vi;
                    pf[i] = (float) (pi - step(c, mi, vi));
                }
            });
            return;
        }
        for (int i = 0; i < n; i++) {
            double pi = p.get(i) * c.decay();
            double gi = g.get(i) + c.l2() * p.get(i);
            double mi = c.b1() * m.get(i) + (1 - c.b1()) * gi;
            double vi = c.b2() * v.get(i) + (1 - c.b2()) * gi * gi;
            m.set(i, mi);
            v.set(i, vi);
            p.set(i, pi - step(c, mi, vi));
        }
    }

    /** u of {@link Coefs} for the new moments mi, vi. */
    private static double step(Coefs c, double mi, double vi) {
        return switch (c.mode()) {
            case ADAM -> c.a() * mi / (Math.sqrt(vi) / c.c() + c.eps());
            case RADAM_RECT -> c.a() * (mi / c.bc1()) * c.r() * c.c() / (Math.sqrt(vi) + c.eps());
            case RADAM_PLAIN -> c.a() * (mi / c.bc1());
        };
    }

    /** The coefficients of update number t (1-based), for the CPU loop and the device path. */
    public abstract Coefs coefs(long t);

    /**
     * The update of a parameter that is not on the CPU: the device's fused kernel if registered,
     * else Tensor ops (in the parameter's dtype) written back in place. Call under noGrad.
     */
    void deviceUpdate(Tensor p, Tensor g, Tensor m, Tensor v, long t) {
        Coefs c = coefs(t);
        DeviceKernels k = tangent.nn.internal.TestHooks.optimizerTensorOps ? null : DeviceKernels.of(p.device());
        if (k != null && k.adam(p, g, m, v, c)) return;
        tensorOpUpdate(p, g, m, v, c);
    }

    /** The Tensor-op form of {@link Coefs} (any device; package-private for the tests). */
    static void tensorOpUpdate(Tensor p, Tensor g, Tensor m, Tensor v, Coefs c) {
        Tensor p0 = p.detach();
        Tensor gi = c.l2() == 0 ? g.detach() : g.detach().add(p0.mul(c.l2()));
        Tensor mi = m.mul(c.b1()).add(gi.mul(1 - c.b1()));
        Tensor vi = v.mul(c.b2()).add(gi.square().mul(1 - c.b2()));
        Tensor u = switch (c.mode()) {
            case ADAM -> mi.mul(c.a()).div(vi.sqrt().div(c.c()).add(c.eps()));
            case RADAM_RECT -> mi.div(c.bc1()).mul(c.a() * c.r() * c.c()).div(vi.sqrt().add(c.eps()));
            case RADAM_PLAIN -> mi.div(c.bc1()).mul(c.a());
        };
        Tensor np = p0.mul(c.decay()).sub(u);
        m.copyFrom(mi);
        v.copyFrom(vi);
        p.copyFrom(np);
    }

    /** Builds an optimizer over a module's parameters. */
    public static Map<String, Tensor> paramsOf(Module m) {
        return m.namedParameters();
    }
}
