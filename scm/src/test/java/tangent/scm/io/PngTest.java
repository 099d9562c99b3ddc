package tangent.scm.io;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngTest {
    @TempDir Path tmp;

    @Test
    void grayAndRgbRoundTripThroughIndependentDecoder() throws Exception {
        Random r = new Random(5);
        for (int ch : new int[] {1, 3}) {
            int w = 37, h = 23;
            byte[] px = new byte[w * h * ch];
            r.nextBytes(px);
            Path p = tmp.resolve("img" + ch + ".png");
            Png.write(p, new Png.Image(w, h, ch, px));
            PngDecoder d = new PngDecoder(Files.readAllBytes(p));
            assertEquals(w, d.width);
            assertEquals(h, d.height);
            assertEquals(ch, d.channels);
            assertArrayEquals(px, d.pixels);
            assertEquals(List.of("IHDR", "IDAT", "IEND"), d.chunkTypes);
        }
        byte[] gray = {0, (byte) 255, 7, 100};
        Png.writeGray(tmp.resolve("g.png"), 2, 2, gray);
        assertArrayEquals(gray, new PngDecoder(Files.readAllBytes(tmp.resolve("g.png"))).pixels);
    }

    @Test
    void atomicWriteLeavesNoTempFilesAndOverwrites() throws Exception {
        Path p = tmp.resolve("sub/dir/out.png");
        Png.writeGray(p, 1, 1, new byte[] {1});
        Png.writeGray(p, 1, 1, new byte[] {2});
        assertEquals(2, new PngDecoder(Files.readAllBytes(p)).gray(0, 0));
        List<String> names;
        try (var s = Files.list(p.getParent())) {
            names = s.map(x -> x.getFileName().toString()).collect(Collectors.toList());
        }
        assertEquals(List.of("out.png"), names);
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertTrue(Files.getPosixFilePermissions(p).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ),
                "output should be world-readable like a normally created file");
        }
    }

    @Test
    void imageGridLayoutScalingAndBorder() throws Exception {
        int n = 5, h = 2, w = 3;
        float[] imgs = new float[n * h * w];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < h * w; i++) imgs[k * h * w + i] = (i == 0) ? -1f : (i == 1 ? 1f : (i == 2 ? 0f : k / 4f));
        }
        imgs[3] = 7f; // clamps to 255
        imgs[4] = Float.NaN; // maps to 0
        Png.Image g = Png.imageGrid(imgs, n, h, w, 3);
        assertEquals(3 * 3 + 4, g.width());
        assertEquals(2 * 2 + 3, g.height());
        Path p = tmp.resolve("grid.png");
        Png.write(p, g);
        PngDecoder d = new PngDecoder(Files.readAllBytes(p));
        assertEquals(128, d.gray(0, 0)); // border
        assertEquals(0, d.gray(1, 1));   // image 0 pixel (0,0) = -1
        assertEquals(255, d.gray(2, 1)); // = 1
        assertEquals(128, d.gray(3, 1)); // = 0 -> round(127.5) = 128
        assertEquals(255, d.gray(1, 2)); // 7 clamped
        assertEquals(0, d.gray(2, 2));   // NaN
        assertEquals(128, d.gray(4, 1)); // vertical border between cells
        // image 4 sits in row 1, col 1: origin (1 + 4, 1 + 3) = (5, 4); pixel index 5 = (2, 1) within it
        assertEquals(Png.toByte(4 / 4f), d.gray(5 + 2, 4 + 1));
        assertEquals(128, d.gray(9 + 2, 4 + 1)); // empty sixth cell stays border-coloured
        Png.Image big = Png.imageGrid(imgs, n, h, w, 3, 2, 0, 4);
        assertEquals(3 * 3 * 4 + 4 * 2 * 4, big.width());
        assertEquals(0, big.pixels()[0]);
        assertThrows(IllegalArgumentException.class, () -> Png.imageGrid(new float[5], 1, 2, 3, 1));
    }

    @Test
    void canvasPrimitives() throws Exception {
        Png.Canvas c = new Png.Canvas(20, 12, 0xFFFFFF);
        c.line(0, 0, 9, 9, 0xFF0000);
        c.line(15, 2, 15, -40, 0x00FF00); // clipped
        c.fillRect(17, 8, 10, 10, 0x0000FF);
        c.disc(5, 5, 0, 0x123456);
        Path p = tmp.resolve("c.png");
        c.write(p);
        PngDecoder d = new PngDecoder(Files.readAllBytes(p));
        assertEquals(3, d.channels);
        for (int i = 0; i <= 9; i++) {
            if (i != 5) assertEquals(0xFF0000, d.rgb(i, i), "diagonal " + i);
        }
        assertEquals(0x123456, d.rgb(5, 5));
        assertEquals(0xFFFFFF, d.rgb(1, 0));
        assertEquals(0x00FF00, d.rgb(15, 0));
        assertEquals(0x00FF00, d.rgb(15, 2));
        assertEquals(0xFFFFFF, d.rgb(15, 3));
        assertEquals(0x0000FF, d.rgb(19, 11));
        assertEquals(0xFFFFFF, d.rgb(16, 11));
        Png.Canvas disc = new Png.Canvas(11, 11, 0);
        disc.disc(5, 5, 3, 0xFFFFFF);
        assertEquals(0xFFFFFF, disc.get(5, 2));
        assertEquals(0xFFFFFF, disc.get(8, 5));
        assertEquals(0, disc.get(5, 1));
        assertEquals(0, disc.get(8, 8));
    }

    @Test
    void textUsesBitmapFont() {
        Png.Canvas c = new Png.Canvas(40, 10, 0);
        c.text(1, 1, "1a", 0xFFFFFF, 1);
        // glyph '1' rows: 00100 01100 00100 00100 00100 00100 01110
        String[] one = {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."};
        for (int row = 0; row < 7; row++) {
            for (int col = 0; col < 5; col++) {
                boolean on = c.get(1 + col, 1 + row) != 0;
                assertEquals(one[row].charAt(col) == '#', on, "glyph '1' at " + col + "," + row);
            }
        }
        Png.Canvas upper = new Png.Canvas(40, 10, 0);
        upper.text(1, 1, "1A", 0xFFFFFF, 1);
        assertArrayEquals(upper.toImage().pixels(), c.toImage().pixels(), "lower case drawn as upper case");
        assertEquals(Png.Canvas.textWidth("1A", 1), 11);
        assertEquals(22, Png.Canvas.textWidth("1A", 2));
        for (char ch : "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-:= ()/".toCharArray()) {
            assertTrue(Png.Font.has(ch), "missing glyph '" + ch + "'");
        }
        assertFalse(Png.Font.has('~'));
        Png.Canvas s = new Png.Canvas(20, 20, 0);
        s.text(0, 0, ".", 0xFFFFFF, 2);
        assertEquals(0xFFFFFF, s.get(4, 10)); // '.' row 5 cols 1-2 -> scaled pixels x 2..5, y 10..13
        assertEquals(0, s.get(4, 9));
    }
}
