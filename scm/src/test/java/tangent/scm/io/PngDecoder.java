package tangent.scm.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Inflater;

/**
 * Test-only strict PNG decoder for 8-bit gray / RGB non-interlaced images: checks the signature,
 * every chunk CRC, chunk order, and undoes all five filter types. Independent of the encoder.
 */
final class PngDecoder {
    final int width, height, channels;
    final byte[] pixels;
    final List<String> chunkTypes = new ArrayList<>();

    PngDecoder(byte[] png) throws Exception {
        byte[] sig = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        for (int i = 0; i < 8; i++) assertEquals(sig[i], png[i], "signature byte " + i);
        int pos = 8;
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        int w = 0, h = 0, ct = -1;
        while (pos < png.length) {
            int len = readInt(png, pos);
            String type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
            CRC32 crc = new CRC32();
            crc.update(png, pos + 4, 4 + len);
            int stored = readInt(png, pos + 8 + len);
            assertEquals((int) crc.getValue(), stored, "CRC of chunk " + type);
            chunkTypes.add(type);
            if (type.equals("IHDR")) {
                assertEquals(13, len);
                w = readInt(png, pos + 8);
                h = readInt(png, pos + 12);
                assertEquals(8, png[pos + 16], "bit depth");
                ct = png[pos + 17];
                assertEquals(0, png[pos + 18]);
                assertEquals(0, png[pos + 19]);
                assertEquals(0, png[pos + 20], "interlace");
            } else if (type.equals("IDAT")) {
                idat.write(png, pos + 8, len);
            }
            pos += 12 + len;
        }
        assertEquals(png.length, pos, "no trailing bytes");
        assertEquals("IHDR", chunkTypes.get(0));
        assertEquals("IEND", chunkTypes.get(chunkTypes.size() - 1));
        assertTrue(ct == 0 || ct == 2, "colour type " + ct);
        width = w;
        height = h;
        channels = ct == 0 ? 1 : 3;
        int stride = w * channels;
        Inflater inf = new Inflater();
        inf.setInput(idat.toByteArray());
        byte[] raw = new byte[h * (stride + 1)];
        int got = 0;
        while (got < raw.length && !inf.finished()) {
            int k = inf.inflate(raw, got, raw.length - got);
            if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
            got += k;
        }
        assertEquals(raw.length, got, "inflated size");
        assertTrue(inf.finished(), "zlib stream complete");
        inf.end();
        pixels = new byte[h * stride];
        for (int y = 0; y < h; y++) {
            int f = raw[y * (stride + 1)];
            for (int i = 0; i < stride; i++) {
                int x = raw[y * (stride + 1) + 1 + i] & 0xff;
                int a = i >= channels ? pixels[y * stride + i - channels] & 0xff : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] & 0xff : 0;
                int c = (i >= channels && y > 0) ? pixels[(y - 1) * stride + i - channels] & 0xff : 0;
                int v;
                switch (f) {
                    case 0: v = x; break;
                    case 1: v = x + a; break;
                    case 2: v = x + b; break;
                    case 3: v = x + ((a + b) >> 1); break;
                    case 4: {
                        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
                        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                        break;
                    }
                    default: throw new AssertionError("bad filter type " + f + " in row " + y);
                }
                pixels[y * stride + i] = (byte) v;
            }
        }
    }

    int gray(int x, int y) {
        return pixels[y * width + x] & 0xff;
    }

    int rgb(int x, int y) {
        int i = (y * width + x) * 3;
        return (pixels[i] & 0xff) << 16 | (pixels[i + 1] & 0xff) << 8 | (pixels[i + 2] & 0xff);
    }

    private static int readInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }
}
