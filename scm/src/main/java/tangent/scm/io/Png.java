package tangent.scm.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Minimal PNG encoder (8-bit grayscale and 8-bit RGB, no interlace) using only
 * {@link java.util.zip.Deflater} and {@link java.util.zip.CRC32}; no java.desktop / ImageIO.
 * Files are written atomically (temporary file in the target directory, then move).
 */
public final class Png {
    private Png() {}

    public static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /**
     * An 8-bit raster.
     *
     * @param width width in pixels
     * @param height height in pixels
     * @param channels 1 (grayscale) or 3 (RGB, interleaved)
     * @param pixels {@code width * height * channels} bytes, row-major, top row first
     */
    public record Image(int width, int height, int channels, byte[] pixels) {
        /** Validates sizes. */
        public Image {
            if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad size " + width + "x" + height);
            if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3");
            if (pixels.length != (long) width * height * channels) {
                throw new IllegalArgumentException("expected " + ((long) width * height * channels)
                    + " pixel bytes, got " + pixels.length);
            }
        }
    }

    /** Encodes an image as PNG bytes. */
    public static byte[] encode(Image img) {
        int w = img.width(), h = img.height(), c = img.channels();
        int stride = w * c;
        // Filter: "Sub" (type 1) for every row; cheap and compresses plots and image grids well.
        byte[] filtered = new byte[h * (stride + 1)];
        byte[] px = img.pixels();
        for (int y = 0; y < h; y++) {
            int src = y * stride, dst = y * (stride + 1);
            filtered[dst] = 1;
            for (int i = 0; i < stride; i++) {
                int left = i >= c ? px[src + i - c] & 0xff : 0;
                filtered[dst + 1 + i] = (byte) ((px[src + i] & 0xff) - left);
            }
        }
        Deflater def = new Deflater(Deflater.DEFAULT_COMPRESSION);
        byte[] idat;
        try {
            def.setInput(filtered);
            def.finish();
            ByteArrayOutputStream z = new ByteArrayOutputStream(filtered.length / 4 + 64);
            byte[] buf = new byte[1 << 16];
            while (!def.finished()) {
                int k = def.deflate(buf);
                z.write(buf, 0, k);
            }
            idat = z.toByteArray();
        } finally {
            def.end();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(idat.length + 64);
        out.writeBytes(SIGNATURE);
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = (byte) (c == 1 ? 0 : 2); // colour type: 0 gray, 2 RGB
        ihdr[10] = 0; // deflate
        ihdr[11] = 0; // adaptive filtering
        ihdr[12] = 0; // no interlace
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", idat);
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Writes an image as PNG, atomically. Parent directories are created. */
    public static void write(Path file, Image img) throws IOException {
        Npy.writeAtomically(file, encode(img));
    }

    /** Writes an 8-bit grayscale PNG ({@code w * h} bytes). */
    public static void writeGray(Path file, int w, int h, byte[] gray) throws IOException {
        write(file, new Image(w, h, 1, gray));
    }

    /** Writes an 8-bit RGB PNG ({@code w * h * 3} bytes, interleaved). */
    public static void writeRgb(Path file, int w, int h, byte[] rgb) throws IOException {
        write(file, new Image(w, h, 3, rgb));
    }

    /** Maps a value in [-1, 1] to 0..255 ({@code round((v + 1) * 127.5)}, clamped; NaN maps to 0). */
    public static int toByte(float v) {
        if (!(v == v)) return 0;
        float s = (v + 1f) * 127.5f;
        int q = Math.round(s);
        return q < 0 ? 0 : Math.min(q, 255);
    }

    /**
     * Arranges {@code n} grayscale images of size {@code h x w} with values in [-1, 1] (image
     * {@code i} at offset {@code i * h * w}) into a grid with {@code cols} columns, a 1-px border of
     * mid-gray (128) and no upscaling. See {@link #imageGrid(float[], int, int, int, int, int, int, int)}.
     */
    public static Image imageGrid(float[] images, int n, int h, int w, int cols) {
        return imageGrid(images, n, h, w, cols, 1, 128, 1);
    }

    /**
     * Arranges {@code n} grayscale images with values in [-1, 1] into a grid.
     *
     * @param images {@code n * h * w} values, image {@code i} at offset {@code i * h * w}
     * @param cols number of columns (rows = ceil(n / cols))
     * @param border border width in (unscaled) pixels between and around cells, typically 1-2
     * @param borderValue gray level 0..255 of the border and of empty cells
     * @param scale integer nearest-neighbour upscaling factor (1 = none)
     */
    public static Image imageGrid(float[] images, int n, int h, int w, int cols, int border, int borderValue, int scale) {
        if (n <= 0 || h <= 0 || w <= 0 || cols <= 0 || border < 0 || scale <= 0) {
            throw new IllegalArgumentException("bad grid arguments n=" + n + " h=" + h + " w=" + w + " cols=" + cols
                + " border=" + border + " scale=" + scale);
        }
        if (images.length < (long) n * h * w) {
            throw new IllegalArgumentException("need " + ((long) n * h * w) + " values for " + n + " images of "
                + h + "x" + w + ", got " + images.length);
        }
        int c = Math.min(cols, n);
        int rows = (n + c - 1) / c;
        int bw = border * scale, cw = w * scale, ch = h * scale;
        int W = c * cw + (c + 1) * bw;
        int H = rows * ch + (rows + 1) * bw;
        byte[] px = new byte[W * H];
        java.util.Arrays.fill(px, (byte) borderValue);
        for (int k = 0; k < n; k++) {
            int gx = bw + (k % c) * (cw + bw);
            int gy = bw + (k / c) * (ch + bw);
            int off = k * h * w;
            for (int y = 0; y < ch; y++) {
                int row = (gy + y) * W + gx;
                int sy = (y / scale) * w + off;
                for (int x = 0; x < cw; x++) {
                    px[row + x] = (byte) toByte(images[sy + x / scale]);
                }
            }
        }
        return new Image(W, H, 1, px);
    }

    /** Writes {@link #imageGrid(float[], int, int, int, int, int, int, int)} to a PNG file. */
    public static void writeImageGrid(Path file, float[] images, int n, int h, int w, int cols, int scale) throws IOException {
        write(file, imageGrid(images, n, h, w, cols, 1, 128, scale));
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] cb = new byte[4];
        putInt(cb, 0, (int) crc.getValue());
        out.writeBytes(cb);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /**
     * An RGB raster with simple drawing primitives and a built-in 5x7 bitmap font. Colours are
     * {@code 0xRRGGBB} ints. Drawing outside the canvas is clipped silently.
     */
    public static final class Canvas {
        private final int width, height;
        private final byte[] rgb;

        /** Creates a canvas filled with {@code background}. */
        public Canvas(int width, int height, int background) {
            if (width <= 0 || height <= 0) throw new IllegalArgumentException("bad size " + width + "x" + height);
            this.width = width;
            this.height = height;
            this.rgb = new byte[width * height * 3];
            fillRect(0, 0, width, height, background);
        }

        /** Width in pixels. */
        public int width() {
            return width;
        }

        /** Height in pixels. */
        public int height() {
            return height;
        }

        /** Colour at (x, y) as 0xRRGGBB. */
        public int get(int x, int y) {
            int i = (y * width + x) * 3;
            return ((rgb[i] & 0xff) << 16) | ((rgb[i + 1] & 0xff) << 8) | (rgb[i + 2] & 0xff);
        }

        /** Sets one pixel (clipped). */
        public void point(int x, int y, int color) {
            if (x < 0 || y < 0 || x >= width || y >= height) return;
            int i = (y * width + x) * 3;
            rgb[i] = (byte) (color >>> 16);
            rgb[i + 1] = (byte) (color >>> 8);
            rgb[i + 2] = (byte) color;
        }

        /** Fills the rectangle [x, x+w) x [y, y+h) (clipped). */
        public void fillRect(int x, int y, int w, int h, int color) {
            int x0 = Math.max(0, x), y0 = Math.max(0, y);
            int x1 = Math.min(width, x + w), y1 = Math.min(height, y + h);
            for (int yy = y0; yy < y1; yy++) for (int xx = x0; xx < x1; xx++) point(xx, yy, color);
        }

        /** Draws the 1-px outline of the rectangle [x, x+w) x [y, y+h). */
        public void rect(int x, int y, int w, int h, int color) {
            line(x, y, x + w - 1, y, color);
            line(x, y + h - 1, x + w - 1, y + h - 1, color);
            line(x, y, x, y + h - 1, color);
            line(x + w - 1, y, x + w - 1, y + h - 1, color);
        }

        /** Draws a filled disc of radius {@code r} centred at (cx, cy); r = 0 draws one pixel. */
        public void disc(int cx, int cy, int r, int color) {
            for (int dy = -r; dy <= r; dy++) {
                for (int dx = -r; dx <= r; dx++) {
                    if (dx * dx + dy * dy <= r * r + r) point(cx + dx, cy + dy, color);
                }
            }
        }

        /** Draws a 1-px line from (x0, y0) to (x1, y1) inclusive (Bresenham). */
        public void line(int x0, int y0, int x1, int y1, int color) {
            int dx = Math.abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
            int dy = -Math.abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
            int err = dx + dy;
            // bound the loop for absurd coordinates (e.g. from overflowed doubles)
            long guard = (long) dx - dy + 2;
            while (guard-- > 0) {
                point(x0, y0, color);
                if (x0 == x1 && y0 == y1) break;
                int e2 = 2 * err;
                if (e2 >= dy) {
                    err += dy;
                    x0 += sx;
                }
                if (e2 <= dx) {
                    err += dx;
                    y0 += sy;
                }
            }
        }

        /** Width in pixels of {@code s} drawn with {@link #text} at {@code scale}. */
        public static int textWidth(String s, int scale) {
            return s.isEmpty() ? 0 : (s.length() * (Font.W + 1) - 1) * scale;
        }

        /** Height in pixels of a line of text at {@code scale}. */
        public static int textHeight(int scale) {
            return Font.H * scale;
        }

        /**
         * Draws {@code s} with the built-in 5x7 font, top-left corner at (x, y), each font pixel
         * {@code scale x scale}, 1 font pixel of spacing between glyphs. Lower-case letters are
         * drawn as upper case; characters without a glyph are drawn as a hollow box.
         */
        public void text(int x, int y, String s, int color, int scale) {
            int cx = x;
            for (int k = 0; k < s.length(); k++) {
                int[] g = Font.glyph(s.charAt(k));
                for (int row = 0; row < Font.H; row++) {
                    for (int col = 0; col < Font.W; col++) {
                        if ((g[row] >> (Font.W - 1 - col) & 1) != 0) {
                            fillRect(cx + col * scale, y + row * scale, scale, scale, color);
                        }
                    }
                }
                cx += (Font.W + 1) * scale;
            }
        }

        /** Draws {@code s} horizontally centred on {@code centerX}. */
        public void textCentered(int centerX, int y, String s, int color, int scale) {
            text(centerX - textWidth(s, scale) / 2, y, s, color, scale);
        }

        /** Returns the raster as an RGB {@link Image} (a copy). */
        public Image toImage() {
            return new Image(width, height, 3, rgb.clone());
        }

        /** Writes the canvas as an RGB PNG, atomically. */
        public void write(Path file) throws IOException {
            Png.write(file, new Image(width, height, 3, rgb));
        }
    }

    /** Built-in 5x7 bitmap font; each glyph is 7 rows of 5 bits, MSB = leftmost column. */
    static final class Font {
        static final int W = 5, H = 7;
        private static final int[][] GLYPHS = new int[128][];
        private static final int[] BOX = {0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F};

        private static void def(char c, int... rows) {
            GLYPHS[c] = rows;
        }

        static {
            def(' ', 0, 0, 0, 0, 0, 0, 0);
            def('0', 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E);
            def('1', 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E);
            def('2', 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F);
            def('3', 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E);
            def('4', 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02);
            def('5', 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E);
            def('6', 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E);
            def('7', 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08);
            def('8', 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E);
            def('9', 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C);
            def('A', 0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11);
            def('B', 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E);
            def('C', 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E);
            def('D', 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C);
            def('E', 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F);
            def('F', 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10);
            def('G', 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F);
            def('H', 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11);
            def('I', 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E);
            def('J', 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C);
            def('K', 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11);
            def('L', 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F);
            def('M', 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11);
            def('N', 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11);
            def('O', 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E);
            def('P', 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10);
            def('Q', 0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D);
            def('R', 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11);
            def('S', 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E);
            def('T', 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04);
            def('U', 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E);
            def('V', 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04);
            def('W', 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A);
            def('X', 0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11);
            def('Y', 0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04);
            def('Z', 0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F);
            def('.', 0, 0, 0, 0, 0, 0x0C, 0x0C);
            def(',', 0, 0, 0, 0, 0x0C, 0x04, 0x08);
            def('-', 0, 0, 0, 0x1F, 0, 0, 0);
            def('+', 0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0);
            def(':', 0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0);
            def('=', 0, 0, 0x1F, 0, 0x1F, 0, 0);
            def('(', 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02);
            def(')', 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08);
            def('[', 0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E);
            def(']', 0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E);
            def('/', 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0);
            def('_', 0, 0, 0, 0, 0, 0, 0x1F);
            def('%', 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03);
            def('?', 0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04);
            def('!', 0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04);
            def('<', 0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02);
            def('>', 0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08);
            def('*', 0, 0x04, 0x15, 0x0E, 0x15, 0x04, 0);
            def('#', 0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A);
            def('\'', 0x0C, 0x04, 0x08, 0, 0, 0, 0);
            def('|', 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04);
        }

        /** Glyph rows for {@code c}; lower case maps to upper case, unknown characters to a box. */
        static int[] glyph(char c) {
            if (c >= 'a' && c <= 'z') c = (char) (c - 'a' + 'A');
            int[] g = c < 128 ? GLYPHS[c] : null;
            return g != null ? g : BOX;
        }

        /** True when {@code c} has its own glyph (after upper-casing). */
        static boolean has(char c) {
            if (c >= 'a' && c <= 'z') c = (char) (c - 'a' + 'A');
            return c < 128 && GLYPHS[c] != null;
        }
    }
}
