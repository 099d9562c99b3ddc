package tangent.nn.layers;

import java.util.Arrays;
import tangent.core.F;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * Dropout with probability p: in training mode each forward draws a keep-mask from the layer's
 * {@link Rng} and returns x * mask / (1 - p); in eval mode (or p = 0) it is the identity and draws
 * nothing.
 *
 * <p>The mask is a constant multiplier, so one forward pass that carries tangents (the sCM step)
 * applies the same mask to the primal and the tangent. To replay a pass exactly (finite
 * differences, a separate jvp that must match), {@link #freeze} makes later forwards reuse the
 * last mask, and {@link #setMask} injects one.
 */
public final class Dropout extends Layer {
    public final double p;
    private Rng rng;
    private Tensor lastMask;
    private boolean frozen;

    /** Drops each element with probability p in [0, 1) in training mode, masks drawn from rng. */
    public Dropout(double p, Rng rng) {
        if (p < 0 || p >= 1) throw new IllegalArgumentException("Dropout: p = " + p + " must be in [0, 1)");
        this.p = p;
        this.rng = rng;
    }

    /** Replaces the stream masks are drawn from (e.g. when resuming). */
    public void setRng(Rng rng) {
        this.rng = rng;
    }

    /** The stream masks are drawn from. */
    public Rng rng() {
        return rng;
    }

    /** The mask used by the last training-mode forward (or injected), or null. */
    public Tensor lastMask() {
        return lastMask;
    }

    /** Uses this mask (1 = keep) from now on, until {@link #freeze}(false) or another setMask. */
    public void setMask(Tensor mask) {
        lastMask = mask;
        frozen = mask != null;
    }

    /** When on, forwards reuse the last mask (if its shape matches) instead of drawing a new one. */
    public void freeze(boolean on) {
        frozen = on;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0) return x;
        Tensor mask;
        if (frozen && lastMask != null && Arrays.equals(lastMask.shape(), x.shape()) && lastMask.dtype() == x.dtype()) {
            mask = lastMask;
        } else {
            if (rng == null) throw new IllegalStateException("Dropout: no Rng set (setRng) for training mode with p = " + p);
            mask = rng.bernoulli(x.dtype(), 1 - p, x.shape());
        }
        lastMask = mask;
        return F.dropout(x, mask, p);
    }
}
