package tangent.core.cpu;

/** Panel sources that let {@link GemmF32} read convolution operands without materialising them. */
final class ConvPack {
    private ConvPack() {}

    /**
     * B(k, n) = src[off + (n / L)*segStride + k*L + n % L]: a stack of images (or gradients) whose
     * per-image (rows x L) matrices are laid side by side along the columns.
     */
    static GemmF32.Panel segmented(float[] src, int off, int L, int segStride) {
        return (kb, kc, j0, nr, bp) -> {
            for (int kk = 0; kk < kc; kk++) {
                float[] row = bp[kk];
                int k = kb + kk;
                for (int d = 0; d < nr; ) {
                    int n = j0 + d, seg = n / L, l = n - seg * L;
                    int cnt = Math.min(nr - d, L - l);
                    System.arraycopy(src, off + seg * segStride + k * L + l, row, d, cnt);
                    d += cnt;
                }
            }
        };
    }

    /**
     * im2col of images starting at x[xOff] (image stride C*H*W), generated straight into packed rows:
     * B(k, n) with k = (c*kh + p)*kw + q and n = img*Ho*Wo + i*Wo + j equals
     * x[img, c, i*stride + p - pad, j*stride + q - pad], zero outside the image.
     */
    static GemmF32.Panel im2col(float[] x, int xOff, int C, int H, int W, int kh, int kw, int stride, int pad,
                                int Ho, int Wo) {
        final int L = Ho * Wo, img = C * H * W, khw = kh * kw;
        final int plane = H * W;
        return (kb, kc, j0, nr, bp) -> {
            int g0 = j0 / L, l0 = j0 - g0 * L, i0 = l0 / Wo, jj0 = l0 - i0 * Wo;
            for (int kk = 0; kk < kc; kk++) {
                float[] row = bp[kk];
                int k = kb + kk, c = k / khw, pq = k - c * khw, p = pq / kw, q = pq - p * kw;
                int dq = q - pad, dp = p - pad;
                // valid output columns j: 0 <= j*stride + dq < W
                int jlo = dq >= 0 ? 0 : (-dq + stride - 1) / stride;
                int jhi = W - 1 - dq < 0 ? 0 : Math.min(Wo, (W - 1 - dq) / stride + 1);
                if (jhi < jlo) jhi = jlo;
                int i = i0, j = jj0, xBase = xOff + g0 * img + c * plane;
                for (int d = 0; d < nr; ) {
                    int cnt = Math.min(nr - d, Wo - j), jend = j + cnt;
                    int hi = i * stride + dp;
                    if (hi < 0 || hi >= H) {
                        for (int t = 0; t < cnt; t++) row[d + t] = 0f;
                    } else {
                        int a = Math.max(j, jlo), e = Math.min(jend, jhi);
                        int o = d - j; // row index of output column t is o + t
                        for (int t = j; t < a && t < jend; t++) row[o + t] = 0f;
                        if (a < e) {
                            int s = xBase + hi * W + a * stride + dq;
                            if (stride == 1) {
                                System.arraycopy(x, s, row, o + a, e - a);
                            } else {
                                for (int t = a; t < e; t++, s += stride) row[o + t] = x[s];
                            }
                        }
                        for (int t = Math.max(e, j); t < jend; t++) row[o + t] = 0f;
                    }
                    d += cnt;
                    j = 0;
                    if (++i == Ho) {
                        i = 0;
                        xBase += img;
                    }
                }
            }
        };
    }
}
