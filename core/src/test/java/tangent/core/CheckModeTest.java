package tangent.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class CheckModeTest {
    @Test
    void nanCheckNamesTheOp() {
        Tensor x = Tensor.of(new double[] {1, -2, 3}, 3);
        assertTrue(Double.isNaN(x.log().toDoubleArray()[1]), "off by default");
        CheckMode.nanCheck(true);
        try {
            CheckMode.NonFiniteException e = assertThrows(CheckMode.NonFiniteException.class, () -> x.abs().log().sqrt().neg().log());
            assertTrue(e.getMessage().contains("'log'") && e.getMessage().contains("(3,)"), e.getMessage());
            e = assertThrows(CheckMode.NonFiniteException.class, () -> x.div(Tensor.zeros(DType.F64, 3)));
            assertTrue(e.getMessage().contains("'div'"), e.getMessage());
            // in a tangent: d/dx sqrt(x) at 0 is infinite; the tangent's op is named
            e = assertThrows(CheckMode.NonFiniteException.class, () -> ForwardAD.jvp(in -> in[0].sqrt(),
                    new Tensor[] {Tensor.zeros(DType.F64, 1)}, new Tensor[] {Tensor.ones(DType.F64, 1)}));
            assertTrue(e.getMessage().contains("'div'"), e.getMessage());
        } finally {
            CheckMode.nanCheck(false);
        }
    }
}
