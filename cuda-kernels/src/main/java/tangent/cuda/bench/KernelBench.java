package tangent.cuda.bench;

import static jcuda.driver.JCudaDriver.*;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import jcuda.driver.CUevent;
import tangent.core.DType;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;
import tangent.cuda.Cuda;
import tangent.cuda.CudaBackend;
import tangent.cuda.CudaPool;
import tangent.cuda.CudaScope;
import tangent.cuda.CudaStorage;

/**
 * Micro-benchmark of the CUDA kernels: GEMM 1024^3 and 4096^3, the two convolution shapes
 * (forward), and a bandwidth-bound binary add of 64M floats. Each figure: warm-up, then the median
 * of 20 runs timed with CUDA events around the backend call (output allocation from the pool
 * included). One line per figure. Args: [reps] (default 20).
 */
public final class KernelBench {
    private KernelBench() {}

    private static final CudaBackend B = CudaBackend.INSTANCE;

    @SuppressWarnings("try")
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Cuda.init();
        System.out.println("device: " + Cuda.deviceName() + " (compute capability " + Cuda.computeCapability() + ")");
        try (CudaScope scope = CudaScope.open()) {
            gemm(1024, reps);
            gemm(4096, reps);
            conv(32, 64, 28, 28, 64, reps);
            conv(32, 128, 14, 14, 128, reps);
            add(64 << 20, reps);
        }
        System.out.println(CudaPool.stats());
    }

    private static Tensor rand(int... shape) {
        int n = tangent.core.Shape.numel(shape);
        float[] a = new float[n];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return B.fromArray(a, shape);
    }

    /** Median milliseconds of fn over reps (after 3 warm-ups); each output is closed. */
    private static double time(int reps, Supplier<Tensor> fn) {
        for (int i = 0; i < 3; i++) ((CudaStorage) fn.get().storage()).close();
        Cuda.synchronize();
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        double[] ms = new double[reps];
        float[] t = new float[1];
        for (int i = 0; i < reps; i++) {
            cuEventRecord(start, null);
            Tensor y = fn.get();
            cuEventRecord(stop, null);
            cuEventSynchronize(stop);
            cuEventElapsedTime(t, start, stop);
            ms[i] = t[0];
            ((CudaStorage) y.storage()).close();
        }
        cuEventDestroy(start);
        cuEventDestroy(stop);
        Cuda.synchronize();
        Arrays.sort(ms);
        return ms[reps / 2];
    }

    private static void gemm(int n, int reps) {
        Tensor a = rand(n, n), b = rand(n, n);
        double ms = time(reps, () -> B.matmul(a, b, false, false, new int[] {n, n}));
        double tflops = 2.0 * n * n * n / (ms * 1e-3) / 1e12;
        System.out.printf("gemm f32 %dx%dx%d: %.3f ms, %.2f TFLOP/s%n", n, n, n, ms, tflops);
    }

    private static void conv(int batch, int c, int h, int w, int o, int reps) {
        Tensor x = rand(batch, c, h, w), k = rand(o, c, 3, 3);
        double ms = time(reps, () -> B.conv2d(x, k, 1, 1));
        double flops = 2.0 * batch * o * h * w * c * 9;
        System.out.printf("conv2d f32 forward %dx%dx%dx%d, %d->%d 3x3 pad 1: %.3f ms, %.2f TFLOP/s%n", batch, c, h, w, c, o, ms,
                flops / (ms * 1e-3) / 1e12);
    }

    private static void add(int n, int reps) {
        Tensor a = rand(n), b = rand(n);
        double ms = time(reps, () -> B.binary(BinaryFn.ADD, a, b, new int[] {n}));
        double gbs = 3.0 * 4 * n / (ms * 1e-3) / 1e9;
        System.out.printf("binary add f32 %dM elements: %.3f ms, %.1f GB/s (3 x 4 bytes per element)%n", n >> 20, ms, gbs);
    }
}
