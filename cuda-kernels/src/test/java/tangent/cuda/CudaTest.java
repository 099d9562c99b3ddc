package tangent.cuda;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CudaTest {
    @Test
    void unavailableBackendFailsLoudly() {
        assertFalse(Cuda.isAvailable());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, Cuda::init);
        assertTrue(e.getMessage().contains("--device cpu"), e.getMessage());
    }
}
