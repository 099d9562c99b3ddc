package tangent.core.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** SumsSimd.sumOfRows (four rows interleaved) against its definition, the loop of row sums, bit for bit. */
class SumsSimdTest {
    @Test
    void sumOfRowsIsTheLoopOfRowSums() {
        SimdPathsTest.assumeVectorPath();
        Random r = new Random(3);
        int[] lens = {1, 15, 16, 17, 49, 196, 511, 512, 513, 784, 1100};
        float[] tmp = new float[4 * SumsSimd.L];
        for (int len : lens)
            for (int rows = 1; rows <= 9; rows++) {
                int stride = len + r.nextInt(5), p = r.nextInt(7);
                float[] a = new float[p + rows * stride + 3];
                for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * Math.exp(4 * r.nextGaussian()));
                int[] off = new int[rows];
                for (int i = 0; i < rows; i++) off[i] = (rows - 1 - i) * stride; // any order of rows
                double want = 0;
                for (int i = 0; i < rows; i++) want += SumsSimd.sum(a, p + off[i], len);
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(SumsSimd.sumOfRows(a, p, off, rows, len, tmp)),
                        "len " + len + " rows " + rows);
                assertEquals(Double.doubleToRawLongBits(SumsSimd.sum(a, p, len)), Double.doubleToRawLongBits(SumsSimd.sum(a, p, len, tmp)));
            }
    }
}
