package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tangent.core.DType;
import tangent.core.Tensor;
import tangent.core.backend.BinaryFn;

/** The caching pool, scopes, and the leak reporter. */
@Tag("cuda")
class CudaMemoryTest {
    private static final CudaBackend GPU = CudaBackend.INSTANCE;

    @BeforeAll
    static void init() {
        Cuda.init();
    }

    @Test
    void scopeReturnsEverythingToThePoolAndTheNextStepReusesIt() {
        long inUse = CudaPool.inUseBytes(), live = CudaPool.liveBlocks();
        Tensor kept;
        for (int step = 0; step < 3; step++) {
            long allocs = CudaPool.deviceAllocations();
            try (CudaScope scope = CudaScope.open()) {
                Tensor a = GPU.full(DType.F32, new int[] {1000, 1000}, 1.5), b = GPU.full(DType.F32, new int[] {1000, 1000}, 2);
                Tensor c = GPU.binary(BinaryFn.MUL, a, b, new int[] {1000, 1000});
                Tensor d = GPU.matmul(c, a, false, false, new int[] {1000, 1000});
                kept = scope.keep(GPU.binary(BinaryFn.ADD, d, c, new int[] {1000, 1000}));
                assertTrue(scope.size() >= 4, "scope owns the temporaries: " + scope.size());
            }
            assertFalse(((CudaStorage) kept.storage()).isClosed(), "kept storage stays open");
            assertEquals(4503.0, kept.get(0, 0), 1e-3); // 1000 * (1.5 * 2) * 1.5 + 3
            ((CudaStorage) kept.storage()).close();
            assertEquals(inUse, CudaPool.inUseBytes(), "all bytes back in the pool after step " + step + ": " + CudaPool.stats());
            assertEquals(live, CudaPool.liveBlocks());
            if (step > 0) assertEquals(allocs, CudaPool.deviceAllocations(), "step " + step + " reused the pool: " + CudaPool.stats());
        }
    }

    @Test
    void nestedScopesMoveKeptStoragesOutward() {
        try (CudaScope outer = CudaScope.open()) {
            Tensor t;
            try (CudaScope inner = CudaScope.open()) {
                t = inner.keep(GPU.zeros(DType.F64, new int[] {10}));
            }
            assertFalse(((CudaStorage) t.storage()).isClosed());
            assertEquals(1, outer.size());
            outer.close();
            assertTrue(((CudaStorage) t.storage()).isClosed());
            IllegalStateException e = assertThrows(IllegalStateException.class, t::toFloatArray);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    private static void allocateAndDrop() {
        new CudaStorage(DType.F32, 12345);
    }

    @Test
    void leakReporterReportsAnUnclosedStorageAndFreesNothing() throws InterruptedException {
        List<String> reports = new CopyOnWriteArrayList<>();
        Consumer<String> listener = reports::add;
        CudaStorage.onLeak(listener);
        try {
            long before = CudaStorage.leaksReported(), live = CudaPool.liveBlocks();
            allocateAndDrop();
            for (int i = 0; i < 100 && CudaStorage.leaksReported() == before; i++) {
                System.gc();
                Thread.sleep(50);
            }
            assertTrue(CudaStorage.leaksReported() > before, "the leak was reported");
            assertTrue(reports.stream().anyMatch(s -> s.contains("12345 float32 elements")), reports.toString());
            assertEquals(live + 1, CudaPool.liveBlocks(), "the leaked block is not freed or reused");
        } finally {
            CudaStorage.removeLeakListener(listener);
        }
    }
}
