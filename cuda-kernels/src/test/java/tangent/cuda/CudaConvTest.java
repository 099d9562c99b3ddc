package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;
import static tangent.cuda.CudaTesting.*;

import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Tensor;

/**
 * The implicit-GEMM convolutions (igemm.cu) against the CPU backend: forward with the fused bias,
 * the dual forward (two CPU convolutions), backward-input and the split-K backward-weight
 * (bit-identical when repeated), on the fmnist-s U-Net's layers at batch 128 (float32) and small
 * batches (float64), and the im2col path kept beside them. Tolerance: max |gpu - cpu| <= tol
 * max(1, max |cpu|) with tol 2e-5 (float32; sums of up to 3456 products), 1e-12 (float64);
 * backward-weight sums over the batch and pixels: 4x.
 */
@Tag("cuda")
class CudaConvTest extends CudaScopedTest {
    private final Random r = new Random(11);

    void layer(DType dt, int[] xs, int[] ws, int stride, int pad) {
        layer(dt, xs, ws, stride, pad, dt == DType.F32 ? 2e-5 : 1e-12);
    }

    void layer(DType dt, int[] xs, int[] ws, int stride, int pad, double tol) {
        String what = "x " + str(xs) + " w " + str(ws) + " stride " + stride + " pad " + pad + " " + dt;
        Tensor[] x = compact(r, dt, xs), dx = compact(r, dt, xs), w = compact(r, dt, ws), bias = compact(r, dt, ws[0]);
        Tensor yc = CPU.conv2d(x[0], w[0], bias[0], stride, pad), dyc = CPU.conv2d(dx[0], w[0], stride, pad);
        scaled("conv2d + bias " + what, yc, GPU.conv2d(x[1], w[1], bias[1], stride, pad), tol);
        Tensor[] dual = GPU.conv2dDual(x[1], dx[1], w[1], bias[1], stride, pad);
        scaled("conv2d dual primal " + what, yc, dual[0], tol);
        scaled("conv2d dual tangent " + what, dyc, dual[1], tol);
        Tensor[] gy = compact(r, dt, yc.shape());
        scaled("conv2d_backward_input " + what, CPU.conv2dBackwardInput(gy[0], w[0], xs, stride, pad),
                GPU.conv2dBackwardInput(gy[1], w[1], xs, stride, pad), tol);
        Tensor gw = GPU.conv2dBackwardWeight(x[1], gy[1], ws, stride, pad);
        scaled("conv2d_backward_weight " + what, CPU.conv2dBackwardWeight(x[0], gy[0], ws, stride, pad), gw, 4 * tol);
        assertArrayEquals(gw.toDoubleArray(), GPU.conv2dBackwardWeight(x[1], gy[1], ws, stride, pad).toDoubleArray(),
                "conv2d_backward_weight is deterministic: " + what);
    }

    /** The fmnist-s layers: first conv, 3x3 at each width, the stride-2 downsample, 1x1 skip and qkv, the output conv. */
    @Test
    void unetLayersFloat32() {
        DType f = DType.F32;
        layer(f, new int[] {128, 1, 28, 28}, new int[] {64, 1, 3, 3}, 1, 1);
        layer(f, new int[] {32, 64, 28, 28}, new int[] {64, 64, 3, 3}, 1, 1);
        layer(f, new int[] {128, 64, 28, 28}, new int[] {64, 64, 3, 3}, 2, 1);
        layer(f, new int[] {128, 64, 14, 14}, new int[] {128, 64, 1, 1}, 1, 0);
        layer(f, new int[] {128, 128, 7, 7}, new int[] {128, 128, 3, 3}, 1, 1);
        layer(f, new int[] {128, 128, 7, 7}, new int[] {384, 128, 1, 1}, 1, 0);
        layer(f, new int[] {128, 256, 7, 7}, new int[] {128, 256, 3, 3}, 1, 1);
        layer(f, new int[] {32, 64, 28, 28}, new int[] {1, 64, 3, 3}, 1, 1);
    }

    /** Odd sizes that leave partial tiles everywhere, strides and pads the U-Net does not use, float64. */
    @Test
    void oddShapesBothDtypes() {
        for (DType dt : DType.values()) {
            layer(dt, new int[] {2, 3, 7, 9}, new int[] {5, 3, 3, 3}, 1, 1);
            layer(dt, new int[] {2, 3, 7, 9}, new int[] {5, 3, 3, 3}, 2, 0);
            layer(dt, new int[] {1, 2, 11, 10}, new int[] {3, 2, 5, 5}, 2, 2);
            layer(dt, new int[] {2, 1, 5, 5}, new int[] {1, 1, 3, 2}, 3, 1);
            layer(dt, new int[] {3, 70, 6, 6}, new int[] {130, 70, 3, 3}, 1, 1);
        }
        layer(DType.F64, new int[] {4, 64, 14, 14}, new int[] {64, 64, 3, 3}, 2, 1);
    }

    /**
     * The tensor-core kernels (TF32 operands, float32 sums): tolerance 2e-3 of the scale (TF32
     * rounds each operand to 2^-11 relative; the expected error is near 3e-4); and they are really
     * taken: the result differs from the FFMA one.
     */
    @Test
    void tf32TensorCoreLayers() {
        DType f = DType.F32;
        Tensor[] x = compact(r, f, 8, 64, 14, 14), w = compact(r, f, 64, 64, 3, 3);
        double[] exact = GPU.conv2d(x[1], w[1], 1, 1).toDoubleArray();
        Cuda.setConvPrecision("tf32");
        try {
            assertEquals("tf32", Cuda.convPrecision());
            double[] tc = GPU.conv2d(x[1], w[1], 1, 1).toDoubleArray();
            assertFalse(java.util.Arrays.equals(exact, tc), "tf32 gives the FFMA result bit for bit: the tensor-core kernel did not run");
            layer(f, new int[] {128, 1, 28, 28}, new int[] {64, 1, 3, 3}, 1, 1, 2e-3);
            layer(f, new int[] {32, 64, 28, 28}, new int[] {64, 64, 3, 3}, 1, 1, 2e-3);
            layer(f, new int[] {128, 64, 28, 28}, new int[] {64, 64, 3, 3}, 2, 1, 2e-3);
            layer(f, new int[] {128, 128, 7, 7}, new int[] {384, 128, 1, 1}, 1, 0, 2e-3);
            layer(f, new int[] {3, 70, 6, 6}, new int[] {130, 70, 3, 3}, 1, 1, 2e-3);
            layer(f, new int[] {1, 2, 11, 10}, new int[] {3, 2, 5, 5}, 2, 2, 2e-3);
        } finally {
            Cuda.setConvPrecision("fp32");
        }
        assertThrows(IllegalArgumentException.class, () -> Cuda.setConvPrecision("bf16"));
    }

    @Test
    void im2colPathAgrees() {
        for (DType dt : DType.values()) {
            double tol = dt == DType.F32 ? 2e-5 : 1e-12;
            int[] xs = {3, 8, 9, 9}, ws = {6, 8, 3, 3};
            Tensor[] x = compact(r, dt, xs), w = compact(r, dt, ws), gy = compact(r, dt, 3, 6, 9, 9);
            scaled("im2col conv2d " + dt, CPU.conv2d(x[0], w[0], 1, 1), GPU.conv2dIm2col(x[1], w[1], 1, 1), tol);
            scaled("im2col backward-input " + dt, CPU.conv2dBackwardInput(gy[0], w[0], xs, 1, 1),
                    GPU.conv2dBackwardInputIm2col(gy[1], w[1], xs, 1, 1), tol);
            scaled("im2col backward-weight " + dt, CPU.conv2dBackwardWeight(x[0], gy[0], ws, 1, 1),
                    GPU.conv2dBackwardWeightIm2col(x[1], gy[1], ws, 1, 1), 4 * tol);
        }
    }
}
