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
 * Exponential moving average of a model's parameters, kept as shadow copies by parameter name.
 * After update number n (1-based) the shadow becomes beta_n shadow + (1 - beta_n) param, with
 * <ul>
 *   <li>{@link #fixed}: beta_n = decay;</li>
 *   <li>{@link #power} (EDM2, Karras et al. 2024): beta_n = (1 - 1/n)^(gamma + 1), so the first
 *       update copies the weights; gamma is given directly or through the relative width
 *       std = sqrt((gamma + 1) / ((gamma + 2)^2 (gamma + 3))) ({@link #powerFromStd}).</li>
 * </ul>
 * {@link #copyTo} loads the averaged weights into a model; {@link #swap} exchanges them (call it
 * twice to restore the training weights after sampling).
 *
 * <p>The shadow copies live on the parameters' device (an update moves them there if the model
 * moved). On the CPU the update loops over the
 * storage (unchanged); elsewhere it uses the device's fused kernel ({@link DeviceKernels}) or,
 * without one, Tensor ops written back with {@link Tensor#copyFrom}.
 */
public final class Ema {
    /** FIXED: a constant decay; POWER: EDM2's power EMA, decay (1 - 1/n)^(gamma + 1) at update n. */
    public enum Kind { FIXED, POWER }

    public final Kind kind;
    /** FIXED: the decay; POWER: gamma. */
    public final double value;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();
    private long updates;

    private Ema(Module model, Kind kind, double value) {
        this.kind = kind;
        this.value = value;
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) shadow.put(e.getKey(), Buffers.copyOf(e.getValue()));
    }

    /** shadow = decay shadow + (1 - decay) p after each update; decay in [0, 1]. */
    public static Ema fixed(Module model, double decay) {
        if (decay < 0 || decay > 1) throw new IllegalArgumentException("Ema: decay " + decay + " not in [0, 1]");
        return new Ema(model, Kind.FIXED, decay);
    }

    /** EDM2's power EMA with exponent gamma &gt; 0. */
    public static Ema power(Module model, double gamma) {
        if (!(gamma > 0)) throw new IllegalArgumentException("Ema: gamma " + gamma + " must be > 0");
        return new Ema(model, Kind.POWER, gamma);
    }

    /** EDM2's power EMA with relative standard deviation std (e.g. 0.05 or 0.10). */
    public static Ema powerFromStd(Module model, double std) {
        return power(model, gammaFromStd(std));
    }

    /** The gamma whose power EMA has relative width std: the largest root of EDM2's cubic. */
    public static double gammaFromStd(double std) {
        if (!(std > 0 && std < Math.sqrt(1.0 / 12)))
            throw new IllegalArgumentException("Ema: std " + std + " must be in (0, " + Math.sqrt(1.0 / 12) + ")");
        // std(gamma) decreases on gamma >= 0 from sqrt(1/12); bisect
        double lo = 0, hi = 1e9;
        for (int i = 0; i < 200; i++) {
            double mid = 0.5 * (lo + hi);
            if (stdOf(mid) > std) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /** The relative standard deviation of the power EMA with exponent gamma. */
    public static double stdOf(double gamma) {
        return Math.sqrt((gamma + 1) / ((gamma + 2) * (gamma + 2) * (gamma + 3)));
    }

    /** The averaging coefficient of update number n (1-based). */
    public double beta(long n) {
        return kind == Kind.FIXED ? value : Math.pow(1 - 1.0 / n, value + 1);
    }

    /** Folds the model's current parameters into the average. */
    public void update(Module model) {
        updates++;
        double beta = beta(updates);
        Map<String, Tensor> params = model.namedParameters();
        for (Map.Entry<String, Tensor> e : shadow.entrySet()) {
            Tensor p = params.get(e.getKey());
            if (p == null) throw new IllegalArgumentException("Ema: the model has no parameter '" + e.getKey() + "'");
            follow(e, p);
            if (p.device() != Device.CPU) {
                deviceUpdate(e.getValue(), p, beta);
                continue;
            }
            CpuStorage s = Buffers.storage(e.getValue(), "ema"), ps = Buffers.readable(p);
            if (s.f != null && ps.f != null) {
                float[] sf = s.f, pf = ps.f;
                // elementwise, in double, rounded once: the bits do not depend on the split
                Parallel.forRange(p.numel(), 1 << 15, (lo, hi) -> {
                    for (int i = lo; i < hi; i++) sf[i] = (float) (beta * sf[i] + (1 - beta) * pf[i]);
                });
            } else {
                for (int i = 0, n = p.numel(); i < n; i++) s.set(i, beta * s.get(i) + (1 - beta) * ps.get(i));
            }
        }
    }

    private static void deviceUpdate(Tensor shadow, Tensor p, double beta) {
        DeviceKernels k = tangent.nn.internal.TestHooks.emaTensorOps ? null : DeviceKernels.of(p.device());
        if (k != null && k.ema(shadow, p, beta)) return;
        try (GradMode.Scope ignored = GradMode.noGrad()) {
            shadow.copyFrom(shadow.mul(beta).add(p.detach().mul(1 - beta)));
        }
    }

    /** Number of updates so far. */
    public long updates() {
        return updates;
    }

    /** Restores the update count (checkpoints). */
    public void setUpdates(long n) {
        updates = n;
    }

    /** The averaged weights by parameter name (live). */
    public Map<String, Tensor> shadow() {
        return Collections.unmodifiableMap(shadow);
    }

    /** Moves a shadow copy to its parameter's device if the model moved (Module.to). */
    private static void follow(Map.Entry<String, Tensor> e, Tensor p) {
        if (e.getValue().device() != p.device()) e.setValue(Devices.copy(e.getValue(), p.device()));
    }

    /** Writes the averaged weights into the model. */
    public void copyTo(Module model) {
        Map<String, Tensor> params = model.namedParameters();
        for (Map.Entry<String, Tensor> e : shadow.entrySet()) {
            Tensor p = params.get(e.getKey());
            follow(e, p);
            p.copyFrom(e.getValue());
        }
    }

    /** Exchanges the model's weights and the averaged ones. */
    public void swap(Module model) {
        Map<String, Tensor> params = model.namedParameters();
        for (Map.Entry<String, Tensor> e : shadow.entrySet()) {
            Tensor p = params.get(e.getKey());
            follow(e, p);
            Tensor tmp = Buffers.copyOf(p);
            p.copyFrom(e.getValue());
            e.getValue().copyFrom(tmp);
            Buffers.release(tmp);
        }
    }
}
