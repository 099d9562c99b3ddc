package tangent.core.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API float32 loops of the fused norms (group_norm, group_norm_silu, scale_shift_silu), used
 * only when {@link SimdSupport#AVAILABLE}: per channel (group_norm) or plane (scale_shift) one pass
 * that loads each input once and stores each output once, where the scalar kernels ran the affine
 * maps, the silu and the sums as loops one after another, each re-reading what the last one wrote
 * (a group's arrays do not all fit in L1). Forward+JVP: y, dy and their silu in one pass.
 * scale_shift_silu VJP: gy silu'(x s + b), gx and both sums in one pass. group_norm_silu VJP: gy
 * silu'(y) with y recomputed, into a per-group scratch, in one pass, then its sums
 * (SumsSimd.centredDot) and gx (a vector loop) over it.
 *
 * <p>The results are bit-identical to the scalar kernels' loops: per element the same float32
 * operations in the same order (the affine maps as the scalar loops write them, without fma; the
 * silu as {@link ElementwiseSimd}, through its {@link ElementwiseSimd#expNonPositive}); the sums
 * in {@link SumsSimd}'s order (blocks of at most BLOCK whole vectors from the run's start, two
 * float32 accumulators per sum taking alternate vectors, the block's lanes added into double in lane
 * order, then the elements after the last whole vector one by one in double). Two accumulators that
 * swap roles every vector take the even and odd vectors as SumsSimd's s0 and s1 do, and their
 * final sum is the same either way round (float addition commutes).
 *
 * <p>The elements after the last whole vector: they go through the same vector code, on the run's
 * last L elements (overlapping the previous vector: elementwise, so those are recomputed with the
 * same bits and stored again) or, in a run shorter than L, on zero-padded copies; then their sums
 * are added one by one. Outputs never alias inputs here.
 *
 * <p>Each loop is one method with one counted loop whose vector accumulators are stored before it
 * returns: JDK 17's C2 boxes vectors that stay live across a loop nested in another. The loops are
 * kept small: with the group_norm_silu VJP's sums in its silu loop, or two vectors per iteration in
 * the forward+JVP's, C2 left vector operations of the exp unintrinsified (about 2x slower).
 */
final class NormSimd {
    private NormSimd() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Whole vectors per block, as SumsSimd. */
    private static final int BLOCK = 32;

    /** Scratch for {@link #scaleShiftSiluBackward}: 5 L floats. */
    static float[] scratch() {
        return new float[5 * L];
    }

    /** silu'(z) = s (1 + z (1 - s)) with s = sigmoid(z), as ElementwiseSimd computes it. */
    private static FloatVector siluGrad(FloatVector z) {
        FloatVector e = ElementwiseSimd.expNonPositive(z.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
        VectorMask<Float> neg = z.lt(0f);
        FloatVector s = p.blend(q, neg), s1 = q.blend(p, neg);
        return s.mul(z.mul(s1).add(1f));
    }

    // ---- scale_shift_silu VJP ---------------------------------------------------------------

    /**
     * One plane of scale_shift_silu's VJP, x and gy at [p, p + n): gz = gy silu'(x sv + bv);
     * gx[p + i] = gz sv when gx != null; out = {sum gz, sum (gz x rounded)} in the order of
     * SumsSimd.sum and SumsSimd.sumProducts over gz. tmp: {@link #scratch}.
     */
    static void scaleShiftSiluBackward(float[] x, float[] gy, float[] gx, int p, int n, float sv, float bv, float[] tmp,
                                       double[] out) {
        int full = n - n % L;
        double s = 0, q = 0;
        for (int b = 0; b < full; b += BLOCK * L) {
            ssBackwardBlock(x, gy, gx, p + b, Math.min(BLOCK * L, full - b) / L, sv, bv, tmp);
            for (int k = 0; k < L; k++) { s += tmp[k]; q += tmp[L + k]; }
        }
        if (full < n) {
            // gz of the last L elements (or of a padded copy) into tmp[2L, 3L)
            int r = n - full, first;
            if (n >= L) {
                first = L - r;
                ssGz(x, gy, p + n - L, sv, bv, tmp, 2 * L);
            } else {
                first = 0;
                java.util.Arrays.fill(tmp, 3 * L, 5 * L, 0f);
                System.arraycopy(x, p, tmp, 3 * L, r);
                System.arraycopy(gy, p, tmp, 4 * L, r);
                ssGzPadded(tmp, sv, bv);
            }
            for (int i = 0; i < r; i++) {
                float g = tmp[2 * L + first + i];
                int j = p + full + i;
                if (gx != null) gx[j] = g * sv;
                s += g;
                q += g * x[j];
            }
        }
        out[0] = s;
        out[1] = q;
    }

    /** tmp[0, L) = lanes of sum gz, tmp[L, 2L) = lanes of sum gz x over nv whole vectors from p; gx = gz sv. */
    private static void ssBackwardBlock(float[] x, float[] gy, float[] gx, int p, int nv, float sv, float bv, float[] tmp) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, q0 = s0, q1 = s0;
        int end = p + nv * L;
        for (int i = p; i < end; i += L) {
            FloatVector xv = FloatVector.fromArray(S, x, i);
            FloatVector gz = FloatVector.fromArray(S, gy, i).mul(siluGrad(xv.mul(sv).add(bv)));
            if (gx != null) gz.mul(sv).intoArray(gx, i);
            FloatVector ts = s0.add(gz), tq = q0.add(gz.mul(xv));
            s0 = s1;
            s1 = ts;
            q0 = q1;
            q1 = tq;
        }
        s0.add(s1).intoArray(tmp, 0);
        q0.add(q1).intoArray(tmp, L);
    }

    /** tmp[at, at + L) = gy silu'(x sv + bv) for the L elements from p. */
    private static void ssGz(float[] x, float[] gy, int p, float sv, float bv, float[] tmp, int at) {
        FloatVector z = FloatVector.fromArray(S, x, p).mul(sv).add(bv);
        FloatVector.fromArray(S, gy, p).mul(siluGrad(z)).intoArray(tmp, at);
    }

    /** tmp[2L, 3L) from the padded x at tmp[3L, 4L) and gy at tmp[4L, 5L). */
    private static void ssGzPadded(float[] tmp, float sv, float bv) {
        FloatVector z = FloatVector.fromArray(S, tmp, 3 * L).mul(sv).add(bv);
        FloatVector.fromArray(S, tmp, 4 * L).mul(siluGrad(z)).intoArray(tmp, 2 * L);
    }

    // ---- forward+JVP: group_norm(_silu), scale_shift_silu --------------------------------------

    /**
     * Stores y = silu(z), dy = t silu'(z) (ElementwiseSimd.siluForwardJvp's operations) at o, or z
     * and t themselves when not silu.
     */
    private static void finish(FloatVector z, FloatVector t, boolean silu, float[] y, float[] dy, int o) {
        if (!silu) {
            z.intoArray(y, o);
            t.intoArray(dy, o);
            return;
        }
        FloatVector e = ElementwiseSimd.expNonPositive(z.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p);
        VectorMask<Float> neg = z.lt(0f);
        FloatVector s = p.blend(q, neg), s1 = q.blend(p, neg);
        FloatVector g = s.mul(z.mul(s1).add(1f));
        z.mul(s).intoArray(y, o);
        t.mul(g).intoArray(dy, o);
    }

    /**
     * The coefficients of one channel's (or plane's) forward+JVP. group_norm: c = (x - mf) - ml,
     * z = c p + q, t = a dx + b c + cc (no dx: c b + cc). scale_shift: z = x sv + bv, t = dx sv,
     * then + x dsv, then + dbv (each term only when given; alone: x dsv, dbv).
     */
    static final class Jvp {
        boolean groupNorm, silu, hasDx, hasDs, hasDb;
        float mf, ml, p, q, a, b, cc;   // group_norm
        float sv, bv, dsv, dbv;         // scale_shift
    }

    /** Zero-padded copies for a run shorter than a vector: x, dx, y, dy, L floats each. */
    static float[][] pads() {
        return new float[4][L];
    }

    /** y, dy at [p, p + n) from x, dx at [p, p + n) (dx unused when the tangent has no dx term). pad: {@link #pads}. */
    static void jvp(Jvp k, float[] x, float[] dx, float[] y, float[] dy, int p, int n, float[][] pad) {
        int full = n - n % L;
        if (full > 0) vectors(k, x, dx, y, dy, p, p, full);
        if (full == n) return;
        if (n >= L) {
            // the last L elements again (the overlap is recomputed with the same bits)
            vectors(k, x, dx, y, dy, p + n - L, p + n - L, L);
            return;
        }
        float[] px = pad[0], pdx = pad[1];
        java.util.Arrays.fill(px, 0f);
        java.util.Arrays.fill(pdx, 0f);
        System.arraycopy(x, p, px, 0, n);
        if (k.hasDx) System.arraycopy(dx, p, pdx, 0, n);
        vectors(k, px, pdx, pad[2], pad[3], 0, 0, L);
        System.arraycopy(pad[2], 0, y, p, n);
        System.arraycopy(pad[3], 0, dy, p, n);
    }

    private static void vectors(Jvp k, float[] x, float[] dx, float[] y, float[] dy, int pi, int po, int n) {
        if (k.groupNorm) gnJvpVectors(k.mf, k.ml, k.p, k.q, k.a, k.b, k.cc, k.hasDx, k.silu, x, dx, y, dy, pi, po, n);
        else ssJvpVectors(k.sv, k.bv, k.dsv, k.dbv, k.hasDx, k.hasDs, k.hasDb, k.silu, x, dx, y, dy, pi, po, n);
    }

    /** group_norm: n (whole vectors) elements from x, dx at pi to y, dy at po. */
    private static void gnJvpVectors(float mf, float ml, float pf, float qf, float af, float bf, float cf, boolean hasDx,
                                     boolean silu, float[] x, float[] dx, float[] y, float[] dy, int pi, int po, int n) {
        for (int j = 0; j < n; j += L) {
            FloatVector c = FloatVector.fromArray(S, x, pi + j).sub(mf).sub(ml);
            FloatVector z = c.mul(pf).add(qf);
            FloatVector t = hasDx ? FloatVector.fromArray(S, dx, pi + j).mul(af).add(c.mul(bf)).add(cf) : c.mul(bf).add(cf);
            finish(z, t, silu, y, dy, po + j);
        }
    }

    /** scale_shift: n (whole vectors) elements from x, dx at pi to y, dy at po. */
    private static void ssJvpVectors(float sv, float bv, float dsv, float dbv, boolean hasDx, boolean hasDs, boolean hasDb,
                                     boolean silu, float[] x, float[] dx, float[] y, float[] dy, int pi, int po, int n) {
        for (int j = 0; j < n; j += L) {
            FloatVector xv = FloatVector.fromArray(S, x, pi + j);
            FloatVector z = xv.mul(sv).add(bv);
            FloatVector t;
            if (hasDx) {
                t = FloatVector.fromArray(S, dx, pi + j).mul(sv);
                if (hasDs) t = t.add(xv.mul(dsv));
                if (hasDb) t = t.add(dbv);
            } else if (hasDs) {
                t = xv.mul(dsv);
                if (hasDb) t = t.add(dbv);
            } else {
                t = FloatVector.broadcast(S, dbv);
            }
            finish(z, t, silu, y, dy, po + j);
        }
    }

    // ---- group_norm(_silu) VJP ------------------------------------------------------------------

    /**
     * One channel of group_norm_silu's VJP, x and gy at [p, p + n): gz[pz + i] = gy silu'(y) with
     * y = ((x - mf) - ml) pf + qf recomputed as the forward made it. pad: {@link #pads}. (The sums
     * over gz are a second loop, SumsSimd.centredDot, over what is then in L1: with them in this
     * loop, JDK 17's C2 left one of the exp's vector reinterprets unintrinsified, 2.5x slower.)
     */
    static void groupNormSiluGz(float[] x, float[] gy, int p, int n, float mf, float ml, float pf, float qf, float[] gz, int pz,
                                float[][] pad) {
        int full = n - n % L;
        if (full > 0) gnGzVectors(x, gy, p, full, mf, ml, pf, qf, gz, pz);
        if (full == n) return;
        if (n >= L) {
            // the last L elements again (the overlap is recomputed with the same bits)
            gnGzVectors(x, gy, p + n - L, L, mf, ml, pf, qf, gz, pz + n - L);
            return;
        }
        float[] px = pad[0], pg = pad[1];
        java.util.Arrays.fill(px, 0f);
        java.util.Arrays.fill(pg, 0f);
        System.arraycopy(x, p, px, 0, n);
        System.arraycopy(gy, p, pg, 0, n);
        gnGzVectors(px, pg, 0, L, mf, ml, pf, qf, pad[2], 0);
        System.arraycopy(pad[2], 0, gz, pz, n);
    }

    /** gz[pz + j] = gy silu'(((x - mf) - ml) pf + qf) for n (whole vectors) elements from p. */
    private static void gnGzVectors(float[] x, float[] gy, int p, int n, float mf, float ml, float pf, float qf, float[] gz, int pz) {
        for (int j = 0; j < n; j += L) {
            FloatVector c = FloatVector.fromArray(S, x, p + j).sub(mf).sub(ml);
            FloatVector.fromArray(S, gy, p + j).mul(siluGrad(c.mul(pf).add(qf))).intoArray(gz, pz + j);
        }
    }

    /** gx[p + i] = (af t[pt + i] + bf ((x[p + i] - mf) - ml)) + cf for i in [0, n), as the scalar loop rounds it. */
    static void groupNormBackwardApply(float[] t, int pt, float[] x, int p, int n, float mf, float ml, float af, float bf, float cf,
                                       float[] gx) {
        int full = n - n % L, d = pt - p;
        for (int i = p; i < p + full; i += L) {
            FloatVector c = FloatVector.fromArray(S, x, i).sub(mf).sub(ml);
            FloatVector.fromArray(S, t, i + d).mul(af).add(c.mul(bf)).add(cf).intoArray(gx, i);
        }
        for (int i = p + full; i < p + n; i++) gx[i] = af * t[i + d] + bf * (x[i] - mf - ml) + cf;
    }
}
