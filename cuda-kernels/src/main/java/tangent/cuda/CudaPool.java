package tangent.cuda;

import static jcuda.driver.JCudaDriver.*;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;

/**
 * The caching device allocator. Requests are rounded up to a size class (powers of two from
 * 512 B to 1 MiB, then multiples of 1 MiB); a closed storage's block goes onto its class's free
 * list and the next request of that class reuses it without cuMemAlloc. All work runs on the
 * legacy default stream, so a block released while kernels that use it are still queued is safe
 * to hand out again: later kernels are ordered after them. When cuMemAlloc runs out of memory the
 * cache is emptied and the allocation retried once.
 */
public final class CudaPool {
    private CudaPool() {}

    /** A device allocation of a size class. */
    static final class Block {
        final CUdeviceptr ptr;
        final long size;

        Block(CUdeviceptr ptr, long size) {
            this.ptr = ptr;
            this.size = size;
        }
    }

    private static final Map<Long, ArrayDeque<Block>> FREE = new HashMap<>();
    private static long inUseBytes, peakInUseBytes, cachedBytes, deviceAllocs, reuses, liveBlocks;

    static long sizeClass(long bytes) {
        if (bytes <= 512) return 512;
        if (bytes <= (1 << 20)) return Long.highestOneBit(bytes - 1) << 1;
        long mb = 1 << 20;
        return (bytes + mb - 1) / mb * mb;
    }

    static synchronized Block allocate(long bytes) {
        Cuda.ensureContext();
        long size = sizeClass(bytes);
        ArrayDeque<Block> q = FREE.get(size);
        Block b = q == null ? null : q.poll();
        if (b != null) {
            cachedBytes -= size;
            reuses++;
        } else {
            CUdeviceptr p = new CUdeviceptr();
            int r = cuMemAlloc(p, size);
            if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                emptyCache();
                r = cuMemAlloc(p, size);
            }
            if (r != CUresult.CUDA_SUCCESS)
                throw new CudaException("cuMemAlloc(" + size + " bytes) failed: " + CUresult.stringFor(r) + " (" + stats() + ")");
            deviceAllocs++;
            b = new Block(p, size);
        }
        inUseBytes += size;
        peakInUseBytes = Math.max(peakInUseBytes, inUseBytes);
        liveBlocks++;
        return b;
    }

    static synchronized void release(Block b) {
        inUseBytes -= b.size;
        liveBlocks--;
        cachedBytes += b.size;
        FREE.computeIfAbsent(b.size, k -> new ArrayDeque<>()).push(b);
    }

    /** Frees every cached (unused) block back to the driver. */
    public static synchronized void emptyCache() {
        Cuda.ensureContext();
        Cuda.checkAfterSync("cuCtxSynchronize (before freeing the pool's cache)", cuCtxSynchronize());
        for (ArrayDeque<Block> q : FREE.values())
            for (Block b : q) Cuda.check("cuMemFree", cuMemFree(b.ptr));
        FREE.clear();
        cachedBytes = 0;
    }

    /** Bytes held by open storages. */
    public static synchronized long inUseBytes() {
        return inUseBytes;
    }

    /** The most bytes held by open storages at any time (size classes, i.e. as allocated). */
    public static synchronized long peakInUseBytes() {
        return peakInUseBytes;
    }

    /** Bytes in the free lists, ready for reuse. */
    public static synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Number of cuMemAlloc calls so far. */
    public static synchronized long deviceAllocations() {
        return deviceAllocs;
    }

    /** Number of requests served from the free lists. */
    public static synchronized long reuses() {
        return reuses;
    }

    /** Open (not yet closed) storages with a device block. */
    public static synchronized long liveBlocks() {
        return liveBlocks;
    }

    public static synchronized String stats() {
        return String.format("pool: %.1f MiB in use in %d blocks (peak %.1f MiB), %.1f MiB cached, %d cuMemAlloc calls, %d reuses",
                inUseBytes / 1048576.0, liveBlocks, peakInUseBytes / 1048576.0, cachedBytes / 1048576.0, deviceAllocs, reuses);
    }
}
