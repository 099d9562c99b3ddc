package tangent.cuda;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;

/**
 * Every kernel of norm.cu, act.cu and igemm.cu (the TF32 ones too) once per dtype on small, odd shapes (partial tiles,
 * split-K over several blocks, a few rows per warp), with the checks of {@link CudaFusedTest} and
 * {@link CudaConvTest}: small enough to run under compute-sanitizer's memcheck and racecheck in
 * the device script (cuda-kernels/device/run.sh runs this class alone under each tool).
 */
@Tag("cuda")
class CudaKernelSmokeTest extends CudaScopedTest {
    @Test
    void normsAndActivations() {
        CudaFusedTest f = new CudaFusedTest();
        for (DType dt : DType.values()) {
            f.groupNorm(dt, new int[] {3, 5, 3, 1, 5});
            f.groupNorm(dt, new int[] {2, 12, 7, 7, 3});
            f.pixelNorm(dt, new int[] {5, 70}, 1);
            f.pixelNorm(dt, new int[] {3, 7, 5}, 1);
            f.silu(dt, new int[] {3, 5, 7});
            f.softmax(dt, new int[] {3, 49, 49}, 2);
            f.softmax(dt, new int[] {2, 9, 4}, 1);
            f.modulation(dt, 2, 6, 5);
        }
    }

    @Test
    void convolutions() {
        CudaConvTest c = new CudaConvTest();
        for (DType dt : DType.values()) {
            c.layer(dt, new int[] {2, 3, 7, 9}, new int[] {5, 3, 3, 3}, 2, 1);
            // K = 4 x 144 = 576 pixels: backward-weight splits K over 5 blocks (of 128)
            c.layer(dt, new int[] {4, 3, 12, 12}, new int[] {70, 3, 3, 3}, 1, 1);
            c.layer(dt, new int[] {3, 20, 5, 5}, new int[] {9, 20, 1, 1}, 1, 0);
        }
        Cuda.setConvPrecision("tf32");
        try {
            c.layer(DType.F32, new int[] {4, 3, 12, 12}, new int[] {70, 3, 3, 3}, 1, 1, 2e-3);
        } finally {
            Cuda.setConvPrecision("fp32");
        }
    }
}
