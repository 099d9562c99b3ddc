package tangent.cuda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** Base of the GPU tests: initialises CUDA once; each test runs in a CudaScope that closes what it allocated. */
abstract class CudaScopedTest {
    private CudaScope scope;

    @BeforeAll
    static void initCuda() {
        Cuda.init();
    }

    @BeforeEach
    void openScope() {
        scope = CudaScope.open();
    }

    @AfterEach
    void closeScope() {
        scope.close();
    }
}
