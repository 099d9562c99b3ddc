package tangent.core.cpu;

/** The A/B baseline (NormAB): CpuBackend's silu range loops as on main, over OldElementwiseSimd. Float32 with the Vector API only. */
final class OldSilu {
    private OldSilu() {}

    static void siluInPlace(CpuStorage o, int from, int to) {
        OldElementwiseSimd.silu(o.f, 0, o.f, from, to);
    }

    static void siluBackwardRange(CpuStorage z, CpuStorage gy, int gyOff, CpuStorage out, int n) {
        OldElementwiseSimd.siluBackward(z.f, 0, gy.f, gyOff, out.f, 0, n);
    }

    static void siluJvpRange(CpuStorage a, int off, CpuStorage da, int doff, CpuStorage o, CpuStorage dO, CpuStorage ds,
                             int lo, int hi) {
        OldElementwiseSimd.siluForwardJvp(a.f, off, da.f, doff, o.f, dO.f, ds == null ? null : ds.f, lo, hi);
    }
}
