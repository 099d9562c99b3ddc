package tangent.cuda;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jcuda.driver.CUdeviceptr;
import tangent.core.DType;
import tangent.core.Device;
import tangent.core.Storage;

/**
 * Device memory for one tensor's elements, a block of the {@link CudaPool}. {@link #close()}
 * returns the block to the pool (idempotent); a storage allocated inside a {@link CudaScope} is
 * closed by the scope unless kept. A storage that becomes unreachable without close is
 * <em>reported</em> by a {@link Cleaner} (stderr and {@link #onLeak} listeners) but never freed:
 * its device memory stays allocated, because memory on the device is explicit.
 */
public final class CudaStorage implements Storage, AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final boolean TRACE = Boolean.getBoolean("tangent.cuda.leakTrace");
    private static final AtomicLong LEAKS = new AtomicLong();
    private static final List<Consumer<String>> LISTENERS = new ArrayList<>();

    private final DType dtype;
    private final int length;
    private final State state;
    private final Cleaner.Cleanable cleanable;
    /** The scope that will close this storage, or null. */
    CudaScope scope;

    /** What the leak reporter needs; holds no reference to the storage. */
    private static final class State implements Runnable {
        final CudaPool.Block block;
        final String what;
        final Throwable where;
        volatile boolean closed;

        State(CudaPool.Block block, String what, Throwable where) {
            this.block = block;
            this.what = what;
            this.where = where;
        }

        @Override
        public void run() {
            if (closed) return;
            LEAKS.incrementAndGet();
            String msg = "tangent.cuda: leak: a CUDA storage of " + what + " became unreachable without close(); its device "
                    + "memory stays allocated (close it, or allocate inside a CudaScope)"
                    + (where == null ? " [run with -Dtangent.cuda.leakTrace=true to see where it was allocated]" : "");
            System.err.println(msg);
            if (where != null) where.printStackTrace();
            List<Consumer<String>> ls;
            synchronized (LISTENERS) {
                ls = new ArrayList<>(LISTENERS);
            }
            for (Consumer<String> l : ls) l.accept(msg);
        }
    }

    /** Allocates length elements (uninitialised) from the pool; joins the current scope if any. */
    public CudaStorage(DType dtype, int length) {
        if (length < 0) throw new IllegalArgumentException("CudaStorage: negative length " + length);
        this.dtype = dtype;
        this.length = length;
        long bytes = (long) length * dtype.bytes;
        CudaPool.Block b = length == 0 ? null : CudaPool.allocate(bytes);
        String what = length + " " + dtype + " elements (" + bytes + " bytes)";
        this.state = new State(b, what, TRACE ? new Throwable("allocated here") : null);
        this.cleanable = b == null ? null : CLEANER.register(this, state);
        CudaScope.adopt(this);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return Device.CUDA;
    }

    @Override
    public int length() {
        return length;
    }

    public boolean isClosed() {
        return state.closed;
    }

    /** The device address of element 0; throws if closed. */
    CUdeviceptr pointer() {
        if (state.closed) throw new IllegalStateException("CUDA storage of " + state.what + " is closed");
        return state.block == null ? new CUdeviceptr() : state.block.ptr;
    }

    /** The device address of element i. */
    CUdeviceptr pointer(long element) {
        return pointer().withByteOffset(element * dtype.bytes);
    }

    /** Returns the block to the pool; later use of this storage throws. Idempotent. */
    @Override
    public void close() {
        if (state.closed) return;
        state.closed = true;
        if (state.block != null) {
            CudaPool.release(state.block);
            cleanable.clean(); // deregisters; run() sees closed and reports nothing
        }
        CudaScope s = scope;
        if (s != null) s.forget(this);
    }

    /** Storages reported as leaked so far. */
    public static long leaksReported() {
        return LEAKS.get();
    }

    /** Adds a listener called (on the Cleaner's thread) with each leak report. */
    public static void onLeak(Consumer<String> listener) {
        synchronized (LISTENERS) {
            LISTENERS.add(listener);
        }
    }

    public static void removeLeakListener(Consumer<String> listener) {
        synchronized (LISTENERS) {
            LISTENERS.remove(listener);
        }
    }

    @Override
    public String toString() {
        return "CudaStorage(" + state.what + (state.closed ? ", closed" : "") + ")";
    }
}
