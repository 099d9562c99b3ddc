package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static tangent.cuda.CudaTesting.*;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tangent.core.DType;
import tangent.core.Shape;
import tangent.core.Tensor;

/**
 * The fused primitives of CudaBackend (norm.cu, act.cu) against independent float64 loops
 * ({@link FusedReference}) and, where the CPU backend implements the same fused method, against
 * it too; forward, JVP and VJP, float32 and float64, on the fmnist-s U-Net's shapes (batch 128 in
 * float32, a few samples in float64). Tolerance: max |gpu - ref| <= tol max(1, max |ref|), tol =
 * 2e-5 in float32 (float arithmetic per element after float64 statistics), 1e-10 in float64;
 * sums over the batch (ggamma, gbeta) get 1e-4 / 1e-10 of their scale.
 */
@Tag("cuda")
class CudaFusedTest extends CudaScopedTest {
    private final Random r = new Random(7);

    static double tol(DType dt) {
        return dt == DType.F32 ? 2e-5 : 1e-10;
    }

    static double[] d(Tensor t) {
        return t == null ? null : t.toDoubleArray();
    }

    // ---- group_norm -------------------------------------------------------------------------

    /** B, C, H, W, G: the U-Net's GroupNorms (min(32, C/4) groups) at 28, 14 and 7 pixels. */
    static final int[][] GN_SHAPES = {{128, 64, 28, 28, 16}, {128, 192, 14, 14, 32}, {128, 256, 7, 7, 32}, {3, 5, 3, 1, 5}};

    void groupNorm(DType dt, int[] sh) {
        int B = dt == DType.F32 ? sh[0] : Math.min(sh[0], 2), C = sh[1], S = sh[2] * sh[3], G = sh[4];
        int[] xs = {B, C, sh[2], sh[3]};
        String what = "group_norm " + Shape.str(xs) + " G " + G + " " + dt;
        Tensor[] x = view(r, dt, B * C * S, xs, Shape.contiguousStrides(xs), 0, 1.5, 4.0); // mean far from 0
        Tensor[] dx = compact(r, dt, xs), gamma = compact(r, dt, C), beta = compact(r, dt, C), dgamma = compact(r, dt, C),
                dbeta = compact(r, dt, C), gy = compact(r, dt, xs);
        double eps = 1e-5;
        double[][] ref = FusedReference.groupNorm(d(x[0]), d(dx[0]), d(gamma[0]), d(beta[0]), d(dgamma[0]), d(dbeta[0]), B, C, S, G, eps);
        Tensor[] f = GPU.groupNorm(x[1], gamma[1], beta[1], G, eps);
        scaled(what + " y", ref[0], f[0], tol(dt));
        scaled(what + " mean", ref[2], f[1], tol(dt));
        scaled(what + " rstd", ref[3], f[2], tol(dt));
        Tensor[] j = GPU.groupNormJvp(x[1], dx[1], gamma[1], beta[1], dgamma[1], dbeta[1], G, eps);
        scaled(what + " jvp y", ref[0], j[0], tol(dt));
        scaled(what + " jvp dy", ref[1], j[1], tol(dt));
        // tangents of x alone, of the affine parameters alone, and no affine at all
        double[][] refX = FusedReference.groupNorm(d(x[0]), d(dx[0]), d(gamma[0]), d(beta[0]), null, null, B, C, S, G, eps);
        scaled(what + " jvp dy (dx only)", refX[1], GPU.groupNormJvp(x[1], dx[1], gamma[1], beta[1], null, null, G, eps)[1], tol(dt));
        double[][] refP = FusedReference.groupNorm(d(x[0]), null, d(gamma[0]), d(beta[0]), d(dgamma[0]), d(dbeta[0]), B, C, S, G, eps);
        scaled(what + " jvp dy (dgamma, dbeta only)", refP[1],
                GPU.groupNormJvp(x[1], null, gamma[1], beta[1], dgamma[1], dbeta[1], G, eps)[1], tol(dt));
        double[][] refN = FusedReference.groupNorm(d(x[0]), d(dx[0]), null, null, null, null, B, C, S, G, eps);
        Tensor[] n = GPU.groupNormJvp(x[1], dx[1], null, null, null, null, G, eps);
        scaled(what + " no affine y", refN[0], n[0], tol(dt));
        scaled(what + " no affine dy", refN[1], n[1], tol(dt));

        double[][] bref = FusedReference.groupNormBackward(d(x[0]), d(gamma[0]), d(gy[0]), B, C, S, G, eps);
        Tensor[] b = GPU.groupNormBackward(x[1], gamma[1], f[1], f[2], gy[1], true, true, G);
        scaled(what + " gx", bref[0], b[0], tol(dt));
        double sumTol = dt == DType.F32 ? 1e-4 : 1e-10;
        scaled(what + " ggamma", bref[1], b[1], sumTol);
        scaled(what + " gbeta", bref[2], b[2], sumTol);
        Tensor[] b2 = GPU.groupNormBackward(x[1], gamma[1], f[1], f[2], gy[1], false, false, G);
        assertNull(b2[1], "ggamma not asked for");
        assertNull(b2[2], "gbeta not asked for");
        assertArrayEquals(b[0].toDoubleArray(), b2[0].toDoubleArray(), what + ": gx does not depend on the wanted sums");
        assertArrayEquals(b[1].toDoubleArray(), GPU.groupNormBackward(x[1], gamma[1], f[1], f[2], gy[1], true, true, G)[1].toDoubleArray(),
                what + ": ggamma is deterministic");

        // the CPU backend's fused kernels, where it has them
        Tensor[] cj = CPU.groupNormJvp(x[0], dx[0], gamma[0], beta[0], dgamma[0], dbeta[0], G, eps);
        if (cj != null) {
            scaled(what + " vs CPU y", d(cj[0]), j[0], tol(dt));
            scaled(what + " vs CPU dy", d(cj[1]), j[1], tol(dt));
        }
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void groupNormForwardJvpBackward(DType dt) {
        for (int[] sh : GN_SHAPES) groupNorm(dt, sh);
    }

    @Test
    void groupNormOfAStridedView() {
        // x as the transpose of a (B, C, W, H) storage: the launcher copies it compact first
        int[] xs = {4, 8, 5, 6};
        Tensor[] x = transposed(r, DType.F64, xs);
        double[][] ref = FusedReference.groupNorm(d(x[0]), null, null, null, null, null, 4, 8, 30, 4, 1e-5);
        scaled("group_norm of a strided view", ref[0], GPU.groupNorm(x[1], null, null, 4, 1e-5)[0], 1e-10);
    }

    @Test
    void groupNormRejectsGroupsThatDoNotDivide() {
        Tensor[] x = compact(r, DType.F32, 2, 6, 3, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GPU.groupNorm(x[1], null, null, 4, 1e-5));
        assertTrue(e.getMessage().contains("group_norm_fwd_f32"), e.getMessage());
    }

    // ---- pixel_norm -------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void pixelNormForwardJvpBackward(DType dt) {
        // the modulation's (B, cout) over the features; and a middle axis with inner > 1
        pixelNorm(dt, new int[] {128, 128}, 1);
        pixelNorm(dt, new int[] {128, 64}, 1);
        pixelNorm(dt, new int[] {3, 7, 5}, 1);
    }

    void pixelNorm(DType dt, int[] s, int axis) {
        int outer = 1, inner = 1, n = s[axis];
        for (int i = 0; i < axis; i++) outer *= s[i];
        for (int i = axis + 1; i < s.length; i++) inner *= s[i];
        String what = "pixel_norm " + Shape.str(s) + " axis " + axis + " " + dt;
        Tensor[] v = compact(r, dt, s), dv = compact(r, dt, s), gy = compact(r, dt, s);
        double[][] ref = FusedReference.pixelNorm(d(v[0]), d(dv[0]), null, outer, n, inner, 1e-8);
        Tensor[] f = GPU.pixelNorm(v[1], axis, 1e-8);
        scaled(what + " y", ref[0], f[0], tol(dt));
        scaled(what + " rstd", ref[2], f[1], tol(dt));
        int[] keep = s.clone();
        keep[axis] = 1;
        assertArrayEquals(keep, f[1].shape(), what + ": rstd keeps the axis");
        Tensor[] j = GPU.pixelNormJvp(v[1], dv[1], axis, 1e-8);
        scaled(what + " jvp y", ref[0], j[0], tol(dt));
        scaled(what + " jvp dy", ref[1], j[1], tol(dt));
        scaled(what + " zero tangent", new double[v[0].numel()], GPU.pixelNormJvp(v[1], null, axis, 1e-8)[1], 0);
        double[] gv = FusedReference.pixelNorm(d(v[0]), null, d(gy[0]), outer, n, inner, 1e-8)[0];
        scaled(what + " gv", gv, GPU.pixelNormBackward(v[1], f[1], gy[1], axis), tol(dt));
        Tensor[] cj = CPU.pixelNormJvp(v[0], dv[0], axis, 1e-8);
        if (cj != null) scaled(what + " vs CPU dy", d(cj[1]), j[1], tol(dt));
    }

    // ---- silu, softmax, modulation ----------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(DType.class)
    void siluJvp(DType dt) {
        // odd length and an offset view: the float32 kernel's 16-byte path and its scalar tail
        silu(dt, new int[] {128, 64, 28, 28});
        silu(dt, new int[] {3, 5, 7});
    }

    void silu(DType dt, int[] s) {
        Tensor[] x = view(r, dt, Shape.numel(s) + 1, s, Shape.contiguousStrides(s), 1, -8, 8), dx = compact(r, dt, s);
        double[][] ref = FusedReference.silu(d(x[0]), d(dx[0]));
        String what = "silu " + Shape.str(s) + " " + dt;
        Tensor[] g = GPU.siluJvp(x[1], dx[1], true);
        scaled(what + " y", ref[0], g[0], tol(dt));
        scaled(what + " dy", ref[1], g[1], tol(dt));
        scaled(what + " silu'", ref[2], g[2], tol(dt));
        assertNull(GPU.siluJvp(x[1], dx[1], false)[2], what + ": no derivative unless asked");
        scaled(what + " zero tangent", new double[x[0].numel()], GPU.siluJvp(x[1], null, false)[1], 0);
        Tensor[] c = CPU.siluJvp(x[0], dx[0], true);
        if (c != null) scaled(what + " vs CPU dy", d(c[1]), g[1], tol(dt));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void softmaxJvpAndVjp(DType dt) {
        // attention scores (B, HW, HW) at 7x7 over the last axis, a longer row, and a middle axis
        softmax(dt, new int[] {dt == DType.F32 ? 128 : 4, 49, 49}, 2);
        softmax(dt, new int[] {3, 1000}, 1);
        softmax(dt, new int[] {2, 9, 4}, 1);
    }

    void softmax(DType dt, int[] s, int axis) {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= s[i];
        for (int i = axis + 1; i < s.length; i++) inner *= s[i];
        String what = "softmax " + Shape.str(s) + " axis " + axis + " " + dt;
        Tensor[] x = view(r, dt, Shape.numel(s), s, Shape.contiguousStrides(s), 0, -6, 6), dx = compact(r, dt, s), gy = compact(r, dt, s);
        double[][] ref = FusedReference.softmax(d(x[0]), d(dx[0]), outer, s[axis], inner);
        Tensor[] g = GPU.softmaxJvp(x[1], dx[1], axis);
        scaled(what + " y", ref[0], g[0], tol(dt));
        scaled(what + " dy", ref[1], g[1], tol(dt));
        double[][] back = FusedReference.softmax(d(x[0]), d(gy[0]), outer, s[axis], inner);
        scaled(what + " gx", back[1], CudaFused.softmaxBackward(g[0], gy[1], axis), tol(dt));
        Tensor[] cj = CPU.softmaxJvp(x[0], dx[0], axis);
        if (cj != null) scaled(what + " vs CPU dy", d(cj[1]), g[1], tol(dt));
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void modulationWithResidual(DType dt) {
        modulation(dt, dt == DType.F32 ? 128 : 3, 64, 28);
    }

    void modulation(DType dt, int B, int C, int H) {
        int S = H * H;
        int[] gs = {B, C, H, H};
        Tensor[] g = compact(r, dt, gs), dg = compact(r, dt, gs), res = compact(r, dt, gs), dres = compact(r, dt, gs);
        Tensor[] s = compact(r, dt, B, C), ds = compact(r, dt, B, C), b = compact(r, dt, B, C), db = compact(r, dt, B, C);
        double[] G = d(g[0]), DG = d(dg[0]), R = d(res[0]), DR = d(dres[0]), Sv = d(s[0]), DS = d(ds[0]), Bv = d(b[0]), DB = d(db[0]);
        double[] y = new double[G.length], dy = new double[G.length];
        for (int i = 0; i < G.length; i++) {
            int bc = i / S;
            y[i] = Sv[bc] * G[i] + Bv[bc] + R[i];
            dy[i] = DS[bc] * G[i] + Sv[bc] * DG[i] + DB[bc] + DR[i];
        }
        Tensor[] out = CudaFused.modulate(g[1], dg[1], s[1], ds[1], b[1], db[1], res[1], dres[1]);
        scaled("modulate y " + dt, y, out[0], tol(dt));
        scaled("modulate dy " + dt, dy, out[1], tol(dt));
        assertNull(CudaFused.modulate(g[1], null, s[1], null, b[1], null, null, null)[1], "no tangent in, none out");
    }
}
