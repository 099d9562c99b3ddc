package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
        "im2col_f32", "im2col_f64", "col2im_f32", "col2im_f64", "upsample2x_f32", "upsample2x_f64", "sumpool2x_f32", "sumpool2x_f64",
        "group_norm_fwd_f32", "group_norm_fwd_f64", "group_norm_bwd_f32", "group_norm_bwd_f64", "group_norm_colsum_f32",
        "group_norm_colsum_f64", "pixel_norm_fwd_f32", "pixel_norm_fwd_f64", "pixel_norm_bwd_f32", "pixel_norm_bwd_f64",
        "silu_jvp_f32", "silu_jvp_f64", "softmax_fwd_f32", "softmax_fwd_f64", "softmax_vjp_f32", "softmax_vjp_f64",
        "modulate_f32", "modulate_f64", "conv_fwd_f32", "conv_fwd_f64", "conv_dual_f32", "conv_dual_f64", "conv_bwd_input_f32",
        "conv_bwd_input_f64", "conv_bwd_weight_f32", "conv_bwd_weight_f64", "conv_splitk_sum_f32", "conv_splitk_sum_f64",
        "conv_fwd_tf32", "conv_dual_tf32", "conv_bwd_input_tf32", "conv_bwd_weight_tf32"};

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

    /** The names of the .entry functions in the sm_90 PTX of every module. */
    private static Set<String> ptxEntries() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String m : Cuda.MODULES)
            try (InputStream in = Cuda.class.getResourceAsStream(Cuda.ptxResource(m, "sm90"))) {
                assertNotNull(in, Cuda.ptxResource(m, "sm90"));
                names.addAll(Cuda.kernelNames(in.readAllBytes()));
            }
        return names;
    }

    /**
     * Every kernel name a launcher builds as a literal prefix plus the dtype suffix
     * ({@code "group_norm_fwd_" + sfx(x.dtype())}) exists in the PTX for both dtypes, and so does
     * every name in {@link #KERNELS} (the launchers whose names are assembled from more parts).
     */
    @Test
    void everyLauncherNamesAnEntryPointOfThePtx() throws IOException {
        String nvcc = System.getProperty("nvcc", "/usr/local/bin/nvcc");
        Assumptions.assumeTrue(new File(nvcc).canExecute() || Cuda.kernelsBuilt(), "no nvcc at build time: the PTX is not expected");
        Set<String> entries = ptxEntries();
        Set<String> named = new TreeSet<>(Arrays.asList(KERNELS));
        Pattern literal = Pattern.compile("\"([a-z][a-z0-9_]*_)\"");
        Pattern continued = Pattern.compile("sfx\\([^)]*\\)\\)?\\s*\\+\\s*\"");
        int scanned = 0;
        try (var files = Files.list(Path.of("src/main/java/tangent/cuda"))) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator)
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if (!line.contains("sfx(") || continued.matcher(line).find()) continue;
                    Matcher m = literal.matcher(line);
                    while (m.find()) {
                        named.add(m.group(1) + "f32");
                        named.add(m.group(1) + "f64");
                        scanned++;
                    }
                }
        }
        assertTrue(scanned >= 15, "the scan found only " + scanned + " kernel-name prefixes in the launchers");
        for (String k : named) assertTrue(entries.contains(k), "a launcher names " + k + ", which no PTX module defines; entries: " + entries);
    }

    /** Each .cu file compiles with nvcc for sm_90 (a separate compile per file, so the failing one is named). */
    @Test
    void everyCudaFileCompilesForSm90() throws IOException, InterruptedException {
        String nvcc = System.getProperty("nvcc", "/usr/local/bin/nvcc");
        Assumptions.assumeTrue(new File(nvcc).canExecute(), "no nvcc at " + nvcc + ": the kernels cannot be compiled here");
        Path out = Files.createTempDirectory("tangent-nvcc");
        try (var files = Files.list(Path.of("src/main/cuda"))) {
            List<Path> cu = files.filter(p -> p.toString().endsWith(".cu")).sorted().collect(java.util.stream.Collectors.toList());
            assertEquals(new TreeSet<>(Arrays.asList(Cuda.MODULES)),
                    cu.stream().map(p -> p.getFileName().toString().replace(".cu", "")).collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                    "Cuda.MODULES lists every .cu file");
            for (Path p : cu) {
                Path ptx = out.resolve(p.getFileName().toString().replace(".cu", ".ptx"));
                Process pr = new ProcessBuilder(nvcc, "-ptx", "-arch=sm_90", "-o", ptx.toString(), p.toString()).redirectErrorStream(true).start();
                String log = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, pr.waitFor(), p + " does not compile: " + log);
                assertFalse(Cuda.kernelNames(Files.readAllBytes(ptx)).isEmpty(), p + " defines no kernel");
                Files.delete(ptx);
            }
        } finally {
            Files.deleteIfExists(out);
        }
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
        // and every code has its case: in both unary functions (float and double), in binary_op
        for (UnaryFn f : UnaryFn.values())
            assertEquals(2, count(src, "case U_" + f.name() + ":"), "UnaryFn." + f + ": one case in unary_f and one in unary_d");
        int from = src.indexOf("T binary_op(int fn"), to = src.indexOf("default:", from);
        assertTrue(from >= 0 && to > from, "binary_op in elementwise.cu");
        for (BinaryFn f : BinaryFn.values())
            assertEquals(1, count(src.substring(from, to), "case B_" + f.name() + ":"), "BinaryFn." + f + ": one case in binary_op");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void splitKCoversKWithChunksOfWholeSteps() {
        for (long K : new long[] {1, 15, 16, 17, 6272, 100352, 25088})
            for (int tiles : new int[] {1, 5, 40, 1000}) {
                int[] s = CudaConv.splitK(tiles, K, 132);
                assertEquals(0, s[1] % CudaConv.BK, "chunk " + s[1]);
                assertTrue((long) s[0] * s[1] >= K && (long) (s[0] - 1) * s[1] < K, "splits " + s[0] + " x " + s[1] + " for K " + K);
                assertTrue(s[0] == 1 || (long) s[0] * tiles <= 2L * 132 + tiles, "no more blocks than needed: " + s[0] + " x " + tiles);
            }
        // fmnist-s backward-weight of a 64 -> 64 3x3 conv at 28x28, batch 128: 5 tiles, K = 100352
        int[] s = CudaConv.splitK(5, 100352, 132);
        assertTrue(s[0] >= 40, "split " + s[0]);
    }

    @Test
    void convShapePacksTheStructOfIgemm() {
        assertArrayEquals(new int[] {128, 64, 28, 28, 64, 3, 3, 14, 14, 2, 1},
                CudaConv.convShape(new int[] {128, 64, 28, 28}, new int[] {64, 64, 3, 3}, 2, 1));
        assertArrayEquals(new int[] {2, 3, 7, 7, 5, 1, 1, 7, 7, 1, 0}, CudaConv.convShape(new int[] {2, 3, 7, 7}, new int[] {5, 3, 1, 1}, 1, 0));
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
        assertArrayEquals(new int[] {0, 5, 1}, tangent.core.backend.Broadcast.strides(new int[] {4, 5}, new int[] {5, 1}, new int[] {3, 4, 5}));
        assertArrayEquals(new int[] {0, 0, 1}, tangent.core.backend.Broadcast.strides(new int[] {1, 5}, new int[] {5, 1}, new int[] {3, 4, 5}));
        assertThrows(IllegalArgumentException.class, () -> tangent.core.backend.Broadcast.strides(new int[] {3}, new int[] {1}, new int[] {4}));
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
