package tangent.scm.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir Path tmp;

    static int count(PngDecoder d, int color) {
        int c = 0;
        for (int y = 0; y < d.height; y++) for (int x = 0; x < d.width; x++) if (d.rgb(x, y) == color) c++;
        return c;
    }

    @Test
    void scatterPanelsDrawPointsAndOutOfRangeCount() throws Exception {
        double[] a = {0, 0};
        double[] b = {2.9, -2.9, 100, 0, Double.NaN, 1};
        Path p = tmp.resolve("scatter.png");
        Plots.scatterPanels(p, "toy", List.of("data", "1-step"), List.of(a, b), 3.0, 101);
        PngDecoder d = new PngDecoder(Files.readAllBytes(p));
        Png.Canvas c = Plots.renderScatterPanels("toy", List.of("data", "1-step"), List.of(a, b), 3.0, 101);
        assertEquals(c.width(), d.width);
        assertEquals(c.height(), d.height);
        // panel 0 centre pixel is the point at (0, 0)
        int th = Png.Canvas.textHeight(1);
        int left = 8 + Png.Canvas.textWidth("-0.00", 1);
        int top = th + 10 + th + 10;
        assertEquals(Plots.BLUE, d.rgb(left + 50, top + 50));
        assertEquals(Plots.BLACK, d.rgb(left, top)); // frame corner
        assertTrue(count(d, Plots.BLUE) >= 5 + 5, "two discs drawn");
        assertTrue(count(d, Plots.RED) > 10, "'2 OUT' label drawn");
        assertTrue(count(d, Plots.BLACK) > 200, "titles and tick labels drawn");
        assertThrows(IllegalArgumentException.class,
            () -> Plots.renderScatterPanels(null, List.of("x"), List.of(a, b), 3, 100));
    }

    @Test
    void lossPlotRendersRawAndSmoothedCurves() throws Exception {
        int n = 500;
        double[] steps = new double[n], loss = new double[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i * 10;
            loss[i] = Math.exp(-i / 100.0) + 0.05 * Math.sin(i * 1.3) + 0.1;
        }
        loss[7] = Double.NaN;
        loss[8] = Double.POSITIVE_INFINITY;
        loss[3] = 1e6; // spike: must not flatten the plot
        Path p = tmp.resolve("loss.png");
        Plots.lossPlot(p, "sCM loss", steps, loss);
        PngDecoder d = new PngDecoder(Files.readAllBytes(p));
        assertEquals(640, d.width);
        assertEquals(400, d.height);
        assertTrue(count(d, Plots.LIGHT_BLUE) > 300, "raw curve");
        assertTrue(count(d, Plots.BLUE) > 300, "smoothed curve");
        Path pl = tmp.resolve("loss-log.png");
        Plots.lossPlot(pl, "log", null, loss, 0.0, true);
        PngDecoder dl = new PngDecoder(Files.readAllBytes(pl));
        assertTrue(count(dl, Plots.BLUE) > 300);
        Png.Canvas empty = Plots.renderLossPlot("none", null, new double[] {Double.NaN}, 0.9, false, 300, 200);
        int red = 0;
        for (int y = 0; y < 200; y++) for (int x = 0; x < 300; x++) if (empty.get(x, y) == Plots.RED) red++;
        assertTrue(red > 10, "NO DATA label");
    }

    @Test
    void ticksFormattingAndEma() {
        assertArrayEquals(new double[] {0, 2, 4, 6, 8, 10}, Plots.niceTicks(0, 10, 5), 1e-12);
        assertArrayEquals(new double[] {-3, -2, -1, 0, 1, 2, 3}, Plots.niceTicks(-3, 3, 6), 1e-12);
        assertArrayEquals(new double[] {0.2, 0.4, 0.6}, Plots.niceTicks(0.13, 0.7, 3), 1e-12);
        double[] t = Plots.niceTicks(0, 20000, 6);
        assertEquals(5000, t[1] - t[0], 1e-9);
        assertEquals("0", Plots.formatTick(0, 1));
        assertEquals("0.25", Plots.formatTick(0.25, 0.05));
        assertEquals("20000", Plots.formatTick(20000, 5000));
        assertEquals("-1.5", Plots.formatTick(-1.5, 0.5));
        assertEquals("1.0e-05", Plots.formatTick(1e-5, 1e-5));
        double[] e = Plots.ema(new double[] {2, 2, Double.NaN, 2}, 0.9);
        assertEquals(2, e[0], 1e-12); // bias-corrected: no pull towards 0
        assertEquals(2, e[3], 1e-12);
        assertTrue(Double.isNaN(e[2]));
        double[] e2 = Plots.ema(new double[] {0, 1}, 0.5);
        assertEquals((0.5 * 0.5 * 0 + 0.5 * 1) / (1 - 0.25), e2[1], 1e-12);
    }
}
