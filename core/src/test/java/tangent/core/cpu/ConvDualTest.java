package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.F;
import tangent.core.ForwardAD;
import tangent.core.Rng;
import tangent.core.Tensor;

/**
 * The CPU's conv2dDual and conv2d with bias against their definitions, bit for bit: the dual form
 * is {conv2d(x, w) + b, conv2d(dx, w)}, the biased form the convolution then a broadcast add
 * (float32 and float64; strided and padded shapes, with and without bias, small and large images).
 */
class ConvDualTest {
    static void same(Tensor e, Tensor a, String what) {
        if (e.dtype() == DType.F32) assertArrayEquals(e.toFloatArray(), a.toFloatArray(), what);
        else assertArrayEquals(e.toDoubleArray(), a.toDoubleArray(), what);
    }

    @Test
    void dualAndBiasedConvolutionsMatchTheirDefinitions() {
        Rng rng = new Rng(12);
        // the last five: 3x3 stride-1 pad-1 shapes of fmnist-xs on the direct kernels (one-plane
        // 28x28 and three-plane 14x14 and 7x7 layouts; output channels not a multiple of 8; one
        // input channel; an odd batch, so that a task may hold images of both x and dx)
        int[][] xs = {{2, 3, 6, 6}, {1, 4, 33, 33}, {3, 2, 5, 7},
                {3, 32, 28, 28}, {5, 64, 7, 7}, {4, 32, 14, 14}, {3, 1, 28, 28}, {2, 16, 28, 28}};
        int[][] ws = {{4, 3, 3, 3}, {5, 4, 3, 3}, {2, 2, 1, 1},
                {32, 32, 3, 3}, {64, 64, 3, 3}, {12, 32, 3, 3}, {32, 1, 3, 3}, {1, 16, 3, 3}};
        int[] strides = {1, 2, 1, 1, 1, 1, 1, 1}, pads = {1, 1, 0, 1, 1, 1, 1, 1};
        CpuBackend cpu = CpuBackend.INSTANCE;
        for (DType dt : DType.values())
            for (int k = 0; k < xs.length; k++)
                for (boolean withBias : new boolean[] {true, false}) {
                    Tensor x = rng.normal(dt, xs[k]), dx = rng.normal(dt, xs[k]), w = rng.normal(dt, ws[k]);
                    Tensor b = withBias ? rng.normal(dt, ws[k][0]) : null;
                    int s = strides[k], p = pads[k];
                    Tensor y = cpu.conv2d(x, w, s, p), dy = cpu.conv2d(dx, w, s, p);
                    Tensor yb = b == null ? y : y.add(b.reshape(1, -1, 1, 1));
                    String what = dt + " case " + k + " bias " + withBias;
                    Tensor[] dual = cpu.conv2dDual(x, dx, w, b, s, p);
                    same(yb, dual[0], what + " dual primal");
                    same(dy, dual[1], what + " dual tangent");
                    same(yb, cpu.conv2d(x, w, b, s, p), what + " biased");
                    // through the op: the fused forward+JVP is the dual form
                    Tensor[] viaOp = ForwardAD.jvp(in -> F.conv2d(in[0], w, b, s, p), new Tensor[] {x}, new Tensor[] {dx});
                    same(yb, viaOp[0], what + " op primal");
                    same(dy, viaOp[1], what + " op tangent");
                }
    }
}
