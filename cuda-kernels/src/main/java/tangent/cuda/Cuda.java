package tangent.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import tangent.core.Device;
import tangent.core.Tensor;
import tangent.core.backend.Backends;
import tangent.nn.optim.DeviceKernels;

/**
 * The CUDA backend's entry point: {@link #init()} initialises the driver (JCuda's driver API),
 * makes device 0's primary context current, loads our kernels (PTX compiled from
 * {@code src/main/cuda/*.cu} by nvcc at build time) and registers {@link CudaBackend} for
 * {@link Device#CUDA}, and the fused optimizer kernels ({@link CudaOptimKernels}) for nn.optim. There is no CPU fallback: every failure throws, naming what failed.
 *
 * <p>System properties: {@code tangent.cuda.sync=true} synchronises after every kernel launch so
 * that an asynchronous fault is reported with the kernel that caused it (tests use it);
 * {@code tangent.cuda.leakTrace=true} records where each storage was allocated for leak reports.
 */
public final class Cuda {
    private Cuda() {}

    /** The kernel modules, one per src/main/cuda/NAME.cu. */
    static final String[] MODULES = {"elementwise", "reduce", "gemm", "conv", "optim", "norm", "act", "igemm", "rng"};

    static final boolean SYNC = Boolean.getBoolean("tangent.cuda.sync");

    private static volatile boolean initialised;
    private static CUcontext context;
    private static CUdevice device;
    private static String deviceName;
    private static int smCount, ccMajor, ccMinor;
    private static final Map<String, CUfunction> FUNCTIONS = new HashMap<>();
    private static final ThreadLocal<Boolean> CURRENT = ThreadLocal.withInitial(() -> false);

    /** Where the PTX of a module lives on the class path. */
    static String ptxResource(String module, String arch) {
        return "/tangent/cuda/" + module + "." + arch + ".ptx";
    }

    /** Whether the PTX kernels were built into this jar (nvcc was present at build time). */
    public static boolean kernelsBuilt() {
        for (String m : MODULES)
            if (Cuda.class.getResource(ptxResource(m, "sm90")) == null) return false;
        return true;
    }

    /** True when the kernels are built and a CUDA device can be initialised (initialises it). */
    public static boolean isAvailable() {
        if (initialised) return true;
        if (!kernelsBuilt()) return false;
        try {
            init();
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Initialises the driver, device 0, the kernels and the backend registry; idempotent. */
    public static synchronized void init() {
        if (initialised) return;
        if (!kernelsBuilt())
            throw new IllegalStateException("the CUDA kernels were not built: tangent-cuda-kernels was compiled without nvcc "
                    + "(no PTX resource " + ptxResource(MODULES[0], "sm90") + " on the class path). Rebuild it where nvcc is "
                    + "installed (/usr/local/bin/nvcc, or mvn -Dnvcc=/path/to/nvcc), or run with --device cpu");
        try {
            JCudaDriver.setExceptionsEnabled(false);
            check("cuInit", cuInit(0));
        } catch (LinkageError e) {
            throw new IllegalStateException("no CUDA driver: JCuda's native driver library could not be loaded ("
                    + e + "); this machine has no usable NVIDIA driver (libcuda.so.1). Run with --device cpu", e);
        } catch (CudaException e) {
            throw new IllegalStateException("no CUDA device: " + e.getMessage() + ". Run with --device cpu", e);
        }
        int[] count = {0};
        check("cuDeviceGetCount", cuDeviceGetCount(count));
        if (count[0] == 0) throw new IllegalStateException("no CUDA device: the driver reports 0 devices. Run with --device cpu");
        CUdevice dev = new CUdevice();
        check("cuDeviceGet(0)", cuDeviceGet(dev, 0));
        CUcontext ctx = new CUcontext();
        check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(ctx, dev));
        check("cuCtxSetCurrent", cuCtxSetCurrent(ctx));
        byte[] name = new byte[256];
        check("cuDeviceGetName", cuDeviceGetName(name, name.length, dev));
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        int[] v = {0};
        check("cuDeviceGetAttribute", cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev));
        smCount = v[0];
        check("cuDeviceGetAttribute", cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev));
        ccMajor = v[0];
        check("cuDeviceGetAttribute", cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev));
        ccMinor = v[0];
        device = dev;
        context = ctx;
        deviceName = new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8);
        CURRENT.set(true);
        // sm_90 PTX on Hopper and newer; the compute_80 PTX (JIT-compiled by the driver) elsewhere.
        String arch = ccMajor >= 9 ? "sm90" : "sm80";
        for (String m : MODULES) {
            byte[] ptx = readResource(ptxResource(m, arch));
            CUmodule mod = new CUmodule();
            check("cuModuleLoadData(" + m + "." + arch + ".ptx)", cuModuleLoadData(mod, ptx));
            for (String fn : kernelNames(ptx)) {
                CUfunction f = new CUfunction();
                check("cuModuleGetFunction(" + fn + ")", cuModuleGetFunction(f, mod, fn));
                FUNCTIONS.put(fn, f);
            }
        }
        initialised = true;
        try {
            selfCheck();
        } catch (RuntimeException e) {
            initialised = false;
            throw e;
        }
        Backends.register(CudaBackend.INSTANCE);
        DeviceKernels.register(Device.CUDA, CudaOptimKernels.INSTANCE);
    }

    /**
     * Checks the two things every launch relies on: a device pointer with a byte offset passed as a
     * kernel argument, and the Idx struct passed by value (fill at an offset, then a strided copy).
     */
    private static void selfCheck() {
        CudaStorage s = new CudaStorage(tangent.core.DType.F32, 8);
        CudaStorage d = new CudaStorage(tangent.core.DType.F32, 4);
        try {
            check("cuMemsetD8 (self-check)", cuMemsetD8(s.pointer(), (byte) 0, 32));
            CudaBackend.launch("fill_f32", 1, 1, 1, 32, () -> "self-check", s.pointer(2), 3L, 7.0); // s = 0 0 7 7 7 0 0 0
            int[] idx = CudaBackend.idx("copy_f32_f32", new int[] {4}, new int[] {1}, new int[] {2});
            CudaBackend.launch("copy_f32_f32", 1, 1, 1, 32, () -> "self-check", d.pointer(), s.pointer(1), idx, 4L); // d = s[1], s[3], s[5], s[7]
            float[] out = new float[4];
            checkAfterSync("cuMemcpyDtoH (self-check)", cuMemcpyDtoH(jcuda.Pointer.to(out), d.pointer(), 16));
            if (!java.util.Arrays.equals(out, new float[] {0, 7, 0, 0}))
                throw new IllegalStateException("CUDA self-check failed: expected [0.0, 7.0, 0.0, 0.0] from a fill at a byte offset and a "
                        + "strided copy, got " + java.util.Arrays.toString(out) + " (kernel arguments are not passed as expected)");
        } finally {
            s.close();
            d.close();
        }
    }

    /**
     * How float32 convolutions multiply: "fp32" (FFMA, exact float32; the default) or "tf32" (tensor
     * cores: operands rounded to TF32, 10-bit mantissa, float32 accumulation; relative error near
     * 3e-4). Also -Dtangent.cuda.precision=tf32. float64 is unaffected.
     */
    public static void setConvPrecision(String precision) {
        if (!precision.equals("fp32") && !precision.equals("tf32"))
            throw new IllegalArgumentException("precision '" + precision + "': use fp32 or tf32");
        CudaConv.tf32 = precision.equals("tf32");
    }

    /** "fp32" or "tf32": see {@link #setConvPrecision}. */
    public static String convPrecision() {
        return CudaConv.tf32 ? "tf32" : "fp32";
    }

    /** The device's name, e.g. "NVIDIA H100 80GB HBM3" (initialises). */
    public static String deviceName() {
        init();
        return deviceName;
    }

    /** Streaming multiprocessors of device 0. */
    static int smCount() {
        return smCount;
    }

    /** "9.0" for Hopper. */
    public static String computeCapability() {
        init();
        return ccMajor + "." + ccMinor;
    }

    /** A tensor on another device, differentiably (see {@link ToDevice}). */
    public static Tensor to(Tensor x, Device target) {
        return new ToDevice(target).apply(x);
    }

    /** Waits for all queued kernels; throws if one of them failed. */
    public static void synchronize() {
        ensureContext();
        checkAfterSync("cuCtxSynchronize", cuCtxSynchronize());
    }

    /** Makes the context current on this thread (cheap after the first call per thread). */
    static void ensureContext() {
        if (!initialised) init();
        if (!CURRENT.get()) {
            check("cuCtxSetCurrent", cuCtxSetCurrent(context));
            CURRENT.set(true);
        }
    }

    static CUfunction function(String name) {
        CUfunction f = FUNCTIONS.get(name);
        if (f == null) throw new IllegalStateException("no CUDA kernel named " + name + " in the loaded PTX modules");
        return f;
    }

    /** The description of the last kernel launched (for errors that surface later, asynchronously). */
    static volatile String lastLaunch = "none";

    static void check(String what, int result) {
        if (result != CUresult.CUDA_SUCCESS) throw new CudaException(what + " failed: " + CUresult.stringFor(result));
    }

    /** For calls that synchronise: an error there may come from an earlier asynchronous kernel. */
    static void checkAfterSync(String what, int result) {
        if (result != CUresult.CUDA_SUCCESS)
            throw new CudaException(what + " failed: " + CUresult.stringFor(result)
                    + " (it may come from an earlier kernel: the last one launched was " + lastLaunch
                    + "; run with -Dtangent.cuda.sync=true to attribute it)");
    }

    private static byte[] readResource(String path) {
        try (InputStream in = Cuda.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing PTX resource " + path);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            out.write(0); // cuModuleLoadData wants a NUL-terminated PTX string
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read PTX resource " + path, e);
        }
    }

    /** The names of the .entry functions in a PTX text. */
    static java.util.List<String> kernelNames(byte[] ptx) {
        String s = new String(ptx, java.nio.charset.StandardCharsets.US_ASCII);
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)").matcher(s);
        while (m.find()) names.add(m.group(1));
        return names;
    }
}
