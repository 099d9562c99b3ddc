package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import tangent.core.backend.BinaryFn;
import tangent.core.backend.UnaryFn;

/** Checks that need no GPU (they run in CI): the build, the kernel codes, host-side helpers. */
class CudaBuildTest {
    /** Every kernel CudaBackend launches. */
    static final String[] KERNELS = {
        "fill_f32", "fill_f64", "copy_f32_f32", "copy_f32_f64", "copy_f64_f32", "copy_f64_f64", "unary_f32", "unary_f64",
        "binary_f32", "binary_f64", "where_f32_c32", "where_f32_c64", "where_f64_c32", "where_f64_c64",
        "reduce_thread_f32", "reduce_thread_f64", "reduce_block_f32", "reduce_block_f64", "reduce_finish_f32", "reduce_finish_f64",
        "gemm_f32_nn", "gemm_f32_nt", "gemm_f32_tn", "gemm_f32_tt", "gemm_f64_nn", "gemm_f64_nt", "gemm_f64_tn", "gemm_f64_tt",
        "im2col_f32", "im2col_f64", "col2im_f32", "col2im_f64", "upsample2x_f32", "upsample2x_f64", "sumpool2x_f32", "sumpool2x_f64"};

    private static boolean gpuPresent() {
        return new File("/dev/nvidiactl").exists() || new File("/dev/nvidia0").exists();
    }

    @Test
    void withoutGpuTheBackendIsUnavailableAndInitFailsLoudly() {
        Assumptions.assumeFalse(gpuPresent(), "a GPU is present; this checks the no-GPU behaviour");
        assertFalse(Cuda.isAvailable());
        IllegalStateException e = assertThrows(IllegalStateException.class, Cuda::init);
        String m = e.getMessage();
        assertTrue(m.contains("--device cpu"), m);
        assertTrue(m.contains("kernels were not built") || m.contains("no CUDA"), m);
    }

    @Test
    void ptxIsBuiltWhenNvccIsPresentAndHoldsEveryKernel() throws IOException {
        String nvcc = System.getProperty("nvcc", "/usr/local/bin/nvcc");
        Assumptions.assumeTrue(new File(nvcc).canExecute() || Cuda.kernelsBuilt(), "no nvcc at build time: the PTX is not expected");
        assertTrue(Cuda.kernelsBuilt(), "nvcc is at " + nvcc + " but the PTX resources are missing");
        StringBuilder names = new StringBuilder();
        for (String arch : new String[] {"sm90", "sm80"})
            for (String m : Cuda.MODULES)
                try (InputStream in = Cuda.class.getResourceAsStream(Cuda.ptxResource(m, arch))) {
                    assertNotNull(in, Cuda.ptxResource(m, arch));
                    List<String> k = Cuda.kernelNames(in.readAllBytes());
                    assertFalse(k.isEmpty(), m);
                    if (arch.equals("sm90")) names.append(k).append(' ');
                }
        for (String k : KERNELS) assertTrue(names.toString().matches("(?s).*\\b" + k + "\\b.*"), "kernel " + k + " missing from the PTX: " + names);
    }

    /** The .cu files switch on the Java enum ordinals: the #defines must match them. */
    @Test
    void kernelFunctionCodesMatchTheEnums() throws IOException {
        String src = Files.readString(Path.of("src/main/cuda/elementwise.cu"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("#define ([UB])_([A-Z_]+) (\\d+)").matcher(src);
        int seenU = 0, seenB = 0;
        while (m.find()) {
            int code = Integer.parseInt(m.group(3));
            if (m.group(1).equals("U")) {
                assertEquals(UnaryFn.valueOf(m.group(2)).ordinal(), code, "UnaryFn." + m.group(2));
                seenU++;
            } else {
                assertEquals(BinaryFn.valueOf(m.group(2)).ordinal(), code, "BinaryFn." + m.group(2));
                seenB++;
            }
        }
        assertEquals(UnaryFn.values().length, seenU, "every UnaryFn has a kernel code");
        assertEquals(BinaryFn.values().length, seenB, "every BinaryFn has a kernel code");
    }

    @Test
    void idxMergesContiguousDimensionsAndDropsOnes() {
        // compact (2, 3, 4) with a compact output: one dimension of 24
        int[] p = CudaBackend.idx("t", new int[] {2, 3, 4}, new int[] {12, 4, 1}, new int[] {12, 4, 1});
        assertEquals(1, p[0]);
        assertEquals(24, p[1]);
        assertEquals(1, p[1 + 8]);
        // broadcast b (1, 4) over (3, 4): dims stay apart for b
        p = CudaBackend.idx("t", new int[] {3, 4}, new int[] {4, 1}, new int[] {0, 1}, new int[] {4, 1});
        assertEquals(2, p[0]);
        assertEquals(3, p[1]);
        assertEquals(4, p[2]);
        assertEquals(0, p[1 + 8 + 8]); // b's stride on dim 0
        // transposed view (4, 3) of a (3, 4)
        p = CudaBackend.idx("t", new int[] {4, 1, 3}, new int[] {1, 7, 4}, new int[] {3, 3, 1});
        assertEquals(2, p[0]);
        assertArrayEquals(new int[] {4, 3}, new int[] {p[1], p[2]});
        assertArrayEquals(new int[] {1, 4}, new int[] {p[9], p[10]});
        // rank 0
        p = CudaBackend.idx("t", new int[0], new int[0]);
        assertEquals(1, p[0]);
        assertEquals(1, p[1]);
        // too many non-mergeable dims
        int[] s = {2, 2, 2, 2, 2, 2, 2, 2, 2}, st = {1024, 256, 64, 16, 4, 1, 2048, 4096, 8192};
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> CudaBackend.idx("binary_f32", s, st));
        assertTrue(e.getMessage().contains("binary_f32"), e.getMessage());
    }

    @Test
    void broadcastStridesAlignRight() {
        assertArrayEquals(new int[] {0, 5, 1}, CudaBackend.broadcastStrides(new int[] {4, 5}, new int[] {5, 1}, new int[] {3, 4, 5}));
        assertArrayEquals(new int[] {0, 0, 1}, CudaBackend.broadcastStrides(new int[] {1, 5}, new int[] {5, 1}, new int[] {3, 4, 5}));
        assertThrows(IllegalArgumentException.class, () -> CudaBackend.broadcastStrides(new int[] {3}, new int[] {1}, new int[] {4}));
    }

    @Test
    void poolSizeClasses() {
        assertEquals(512, CudaPool.sizeClass(1));
        assertEquals(512, CudaPool.sizeClass(512));
        assertEquals(1024, CudaPool.sizeClass(513));
        assertEquals(1 << 20, CudaPool.sizeClass((1 << 20) - 5));
        assertEquals(2 << 20, CudaPool.sizeClass((1 << 20) + 1));
        assertEquals(3 << 20, CudaPool.sizeClass((2 << 20) + 1));
    }
}
