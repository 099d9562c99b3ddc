package tangent.scm.ui;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void logModePrintsEveryKStepsAndFinalLine() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bos, true, StandardCharsets.UTF_8);
        AtomicLong clock = new AtomicLong(0);
        try (Progress p = new Progress("train", 2000, 100, ps, false, clock::get)) {
            for (int s = 1; s <= 150; s++) {
                clock.addAndGet(80_000_000L); // 80 ms per step -> 12.5 steps/s
                p.update(s, 0.1234);
            }
        }
        String[] lines = bos.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, String.join("|", lines));
        // 1900 remaining / 12.5 steps/s = 152 s
        assertEquals("train step 100/2000 loss 0.1234 12.5 steps/s eta 2m32s", lines[0]);
        assertTrue(lines[1].startsWith("train step 150/2000 loss 0.1234 12.5 steps/s"), lines[1]);
        assertTrue(lines[1].endsWith("done in 12s"), lines[1]);
        assertFalse(bos.toString(StandardCharsets.UTF_8).contains("\r"));
    }

    @Test
    void interactiveModeRedrawsOneLine() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bos, true, StandardCharsets.UTF_8);
        AtomicLong clock = new AtomicLong(0);
        Progress p = new Progress("", 10, 5, ps, true, clock::get);
        assertTrue(p.interactive());
        for (int s = 1; s <= 10; s++) {
            clock.addAndGet(200_000_000L);
            p.update(s, Double.NaN, "lr 1e-4");
        }
        p.finish();
        p.finish(); // idempotent
        p.update(11, 1); // ignored after finish
        String out = bos.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\r[##..................] 1/10 loss NaN 5.0 steps/s eta 2s lr 1e-4"), out);
        assertTrue(out.contains("\r[####################] 10/10 loss NaN 5.0 steps/s lr 1e-4 done in 2s"), out);
        assertTrue(out.endsWith("\n"));
        assertEquals(1, out.chars().filter(c -> c == '\n').count());
        assertEquals(11, out.chars().filter(c -> c == '\r').count()); // 10 updates 200 ms apart + finish
    }

    @Test
    void interactiveRedrawsAreThrottled() {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(bos, true, StandardCharsets.UTF_8);
        AtomicLong clock = new AtomicLong(0);
        Progress p = new Progress("t", 1000, 5, ps, true, clock::get);
        for (int s = 1; s <= 1000; s++) {
            clock.addAndGet(1_000_000L); // 1 ms per step -> redraw every 100 steps
            p.update(s, 0.5);
        }
        p.finish();
        String out = bos.toString(StandardCharsets.UTF_8);
        long redraws = out.chars().filter(c -> c == '\r').count();
        assertTrue(redraws >= 10 && redraws <= 13, "redraws " + redraws);
        assertTrue(out.contains("1000/1000"), out);
    }

    @Test
    void formatting() {
        assertEquals("59s", Progress.formatDuration(59.4));
        assertEquals("2m31s", Progress.formatDuration(151));
        assertEquals("1h02m", Progress.formatDuration(3725));
        assertEquals("2d03h", Progress.formatDuration(2 * 86400 + 3 * 3600 + 100));
        assertEquals("?", Progress.formatDuration(Double.NaN));
        assertEquals("0.1234", Progress.formatLoss(0.12344));
        assertEquals("1.500e-05", Progress.formatLoss(1.5e-5));
        assertEquals("inf", Progress.formatLoss(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new Progress("x", 0, 1));
    }
}
