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
        if (stride == 1 && Wo == W) return im2colSameWidth(x, xOff, C, H, W, kh, kw, pad, Ho);
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

    /**
     * {@link #im2col} for stride 1 and Wo == W (e.g. 3x3 pad 1): output pixel l = i*W + j of row
     * (c, p, q) reads x[img, c, 0, 0] at offset l + (p - pad)*W + (q - pad), so a whole image's
     * valid rows are one contiguous copy; afterwards the out-of-image columns (j + q - pad outside
     * [0, W)) and rows are zeroed. Same values as the general path.
     */
    private static GemmF32.Panel im2colSameWidth(float[] x, int xOff, int C, int H, int W, int kh, int kw,
                                                 int pad, int Ho) {
        final int L = Ho * W, img = C * H * W, khw = kh * kw, plane = H * W;
        return (kb, kc, j0, nr, bp) -> {
            for (int kk = 0; kk < kc; kk++) {
                float[] row = bp[kk];
                int k = kb + kk, c = k / khw, pq = k - c * khw, p = pq / kw, q = pq - p * kw;
                int dq = q - pad, dp = p - pad;
                int jlo = Math.max(0, -dq), jhi = Math.min(W, W - dq); // valid output columns
                int ilo = Math.max(0, -dp), ihi = Math.min(Ho, H - dp); // valid output rows
                int shift = dp * W + dq;
                for (int d = 0; d < nr; ) {
                    int n = j0 + d, g = n / L, l0 = n - g * L, l1 = Math.min(L, l0 + nr - d);
                    int base = xOff + g * img + c * plane + shift; // source of output l is base + l
                    int la = Math.max(l0, ilo * W), lb = Math.min(l1, ihi * W);
                    if (la < lb) {
                        // the first/last valid row may reach one element outside the image (an invalid
                        // column, zeroed below) and, for the very first/last image, outside x
                        int ca = Math.max(la, -base), cbnd = Math.min(lb, x.length - base);
                        if (ca < cbnd) System.arraycopy(x, base + ca, row, d + ca - l0, cbnd - ca);
                        for (int t = la; t < ca; t++) row[d + t - l0] = 0f;
                        for (int t = Math.max(cbnd, la); t < lb; t++) row[d + t - l0] = 0f;
                        if (jlo > 0 || jhi < W) {
                            for (int i = la / W, ie = (lb - 1) / W; i <= ie; i++) {
                                int rs = i * W;
                                for (int j = 0; j < jlo; j++) {
                                    int t = rs + j;
                                    if (t >= la && t < lb) row[d + t - l0] = 0f;
                                }
                                for (int j = Math.max(jhi, 0); j < W; j++) {
                                    int t = rs + j;
                                    if (t >= la && t < lb) row[d + t - l0] = 0f;
                                }
                            }
                        }
                    } else {
                        la = lb = l1;
                    }
                    for (int t = l0; t < Math.min(la, l1); t++) row[d + t - l0] = 0f;
                    for (int t = Math.max(lb, l0); t < l1; t++) row[d + t - l0] = 0f;
                    d += l1 - l0;
                }
            }
        };
    }
}
