package tangent.core.cpu;

import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Storage;

/** Host memory: a float[] for float32 or a double[] for float64 (exactly one is non-null). */
public final class CpuStorage implements Storage {
    /** float32 data, or null. */
    public final float[] f;
    /** float64 data, or null. */
    public final double[] d;
    private final long serial = Storage.nextSerial();

    public CpuStorage(float[] f) {
        this.f = f;
        this.d = null;
    }

    public CpuStorage(double[] d) {
        this.f = null;
        this.d = d;
    }

    /** Zeroed. */
    public static CpuStorage allocate(DType dtype, int n) {
        return dtype == DType.F32 ? new CpuStorage(new float[n]) : new CpuStorage(new double[n]);
    }

    /** Like allocate, but the array may hold anything: for outputs a kernel writes whole ({@link UninitializedArrays}). */
    static CpuStorage allocateUninitialized(DType dtype, int n) {
        return dtype == DType.F32 ? new CpuStorage(UninitializedArrays.floats(n)) : new CpuStorage(UninitializedArrays.doubles(n));
    }

    @Override
    public DType dtype() {
        return f != null ? DType.F32 : DType.F64;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public int length() {
        return f != null ? f.length : d.length;
    }

    @Override
    public long serial() {
        return serial;
    }

    /** Element i as a double (the generic path for kernels that are not hot). */
    public double get(int i) {
        return f != null ? f[i] : d[i];
    }

    public void set(int i, double v) {
        if (f != null) f[i] = (float) v;
        else d[i] = v;
    }
}
