package tangent.scm.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Small plotting helpers rendering to {@link Png.Canvas} and writing PNG files: side-by-side 2-D
 * scatter panels and a loss curve. JDK only (no java.desktop).
 */
public final class Plots {
    private Plots() {}

    /** Background colour. */
    public static final int WHITE = 0xFFFFFF;
    /** Axis and text colour. */
    public static final int BLACK = 0x000000;
    /** Light grid colour. */
    public static final int GRID = 0xE6E6E6;
    /** Default point / smoothed-curve colour (matplotlib blue). */
    public static final int BLUE = 0x1F77B4;
    /** Raw loss curve colour (light blue). */
    public static final int LIGHT_BLUE = 0xA6C8E4;
    /** Colour for warnings drawn on plots. */
    public static final int RED = 0xD62728;

    private static final int FONT = 1; // text scale

    // ---------------------------------------------------------------- scatter panels

    /**
     * Writes side-by-side scatter panels (e.g. "data", "1-step", "2-step") on the shared square
     * range [-range, range]^2, each {@code panelPx} pixels square.
     *
     * @param points one interleaved {@code [x0, y0, x1, y1, ...]} array per panel
     */
    public static void scatterPanels(Path file, String title, List<String> titles, List<double[]> points,
                                     double range, int panelPx) throws IOException {
        renderScatterPanels(title, titles, points, range, panelPx).write(file);
    }

    /** {@link #scatterPanels(Path, String, List, List, double, int)} with no overall title, range 3, 300 px panels. */
    public static void scatterPanels(Path file, List<String> titles, List<double[]> points) throws IOException {
        scatterPanels(file, null, titles, points, 3.0, 300);
    }

    /**
     * Renders scatter panels; see {@link #scatterPanels(Path, String, List, List, double, int)}.
     * Points outside the range (or non-finite) are not drawn; their count is printed in red in the
     * panel's corner as "N OUT".
     *
     * @param title optional overall title (null or empty for none)
     */
    public static Png.Canvas renderScatterPanels(String title, List<String> titles, List<double[]> points,
                                                 double range, int panelPx) {
        if (titles.size() != points.size()) {
            throw new IllegalArgumentException(titles.size() + " titles for " + points.size() + " point sets");
        }
        if (points.isEmpty()) throw new IllegalArgumentException("no point sets");
        if (!(range > 0) || panelPx < 40) throw new IllegalArgumentException("range must be > 0 and panelPx >= 40");
        int k = points.size();
        int th = Png.Canvas.textHeight(FONT);
        int left = 8 + Png.Canvas.textWidth("-0.00", FONT);
        int gap = 16;
        int top = (title != null && !title.isEmpty() ? th + 10 : 0) + th + 10;
        int bottom = th + 12;
        int width = left + k * panelPx + (k - 1) * gap + 12;
        int height = top + panelPx + bottom;
        Png.Canvas cv = new Png.Canvas(width, height, WHITE);
        if (title != null && !title.isEmpty()) cv.textCentered(width / 2, 4, title, BLACK, FONT);
        double[] ticks = niceTicks(-range, range, 4);
        double tstep = ticks.length > 1 ? ticks[1] - ticks[0] : range;
        for (int p = 0; p < k; p++) {
            int x0 = left + p * (panelPx + gap);
            int y0 = top;
            double[] pts = points.get(p);
            if (pts.length % 2 != 0) throw new IllegalArgumentException("point set " + p + " has odd length");
            // grid + ticks
            for (double t : ticks) {
                int px = x0 + (int) Math.round((t + range) / (2 * range) * (panelPx - 1));
                int py = y0 + (int) Math.round((range - t) / (2 * range) * (panelPx - 1));
                cv.line(px, y0, px, y0 + panelPx - 1, GRID);
                cv.line(x0, py, x0 + panelPx - 1, py, GRID);
                cv.line(px, y0 + panelPx, px, y0 + panelPx + 3, BLACK);
                cv.textCentered(px, y0 + panelPx + 6, formatTick(t, tstep), BLACK, FONT);
                if (p == 0) {
                    cv.line(x0 - 4, py, x0 - 1, py, BLACK);
                    String s = formatTick(t, tstep);
                    cv.text(x0 - 6 - Png.Canvas.textWidth(s, FONT), py - th / 2, s, BLACK, FONT);
                }
            }
            int n = pts.length / 2;
            int r = n <= 3000 ? 1 : 0;
            int out = 0;
            for (int i = 0; i < n; i++) {
                double x = pts[2 * i], y = pts[2 * i + 1];
                if (!(Math.abs(x) <= range) || !(Math.abs(y) <= range)) {
                    out++;
                    continue;
                }
                int px = x0 + (int) Math.round((x + range) / (2 * range) * (panelPx - 1));
                int py = y0 + (int) Math.round((range - y) / (2 * range) * (panelPx - 1));
                cv.disc(px, py, r, BLUE);
            }
            cv.rect(x0, y0, panelPx, panelPx, BLACK);
            cv.textCentered(x0 + panelPx / 2, top - th - 6, titles.get(p), BLACK, FONT);
            if (out > 0) cv.text(x0 + 4, y0 + 4, out + " OUT", RED, FONT);
        }
        return cv;
    }

    // ---------------------------------------------------------------- loss plot

    /**
     * Writes a loss plot (640 x 400) with the raw series in light blue, an exponentially smoothed
     * curve (weight 0.9, bias-corrected) in dark blue, ticks with numbers and a title.
     *
     * @param steps x values (null means 0, 1, 2, ...)
     */
    public static void lossPlot(Path file, String title, double[] steps, double[] values) throws IOException {
        lossPlot(file, title, steps, values, 0.9, false);
    }

    /**
     * Writes a loss plot; see {@link #renderLossPlot(String, double[], double[], double, boolean, int, int)}.
     */
    public static void lossPlot(Path file, String title, double[] steps, double[] values, double smoothing,
                                boolean logY) throws IOException {
        renderLossPlot(title, steps, values, smoothing, logY, 640, 400).write(file);
    }

    /**
     * Renders a loss plot.
     *
     * <p>The y range spans the minimum of the finite values up to the larger of the smoothed
     * maximum and the 99th percentile of the raw values, so a few early spikes do not flatten the
     * curve (values above are drawn clipped at the top edge). Non-finite values (and non-positive
     * ones when {@code logY}) are skipped.
     *
     * @param steps x values, same length as {@code values} (null means 0, 1, 2, ...)
     * @param smoothing EMA weight in [0, 1) for the smoothed curve (0 disables smoothing)
     * @param logY logarithmic y axis
     */
    public static Png.Canvas renderLossPlot(String title, double[] steps, double[] values, double smoothing,
                                            boolean logY, int width, int height) {
        if (steps != null && steps.length != values.length) {
            throw new IllegalArgumentException(steps.length + " steps for " + values.length + " values");
        }
        if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("smoothing must be in [0, 1)");
        int th = Png.Canvas.textHeight(FONT);
        Png.Canvas cv = new Png.Canvas(width, height, WHITE);
        int left = 12 + Png.Canvas.textWidth("-0.0000", FONT);
        int top = th + 16, right = 16, bottom = th + 24;
        int pw = width - left - right, ph = height - top - bottom;
        if (pw < 20 || ph < 20) throw new IllegalArgumentException("plot too small: " + width + "x" + height);
        if (title != null) cv.textCentered(width / 2, 6, title, BLACK, FONT);

        int n = values.length;
        double[] xs = new double[n];
        double[] ys = new double[n];
        boolean[] ok = new boolean[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            xs[i] = steps == null ? i : steps[i];
            double v = values[i];
            ok[i] = Double.isFinite(v) && Double.isFinite(xs[i]) && (!logY || v > 0);
            ys[i] = ok[i] ? (logY ? Math.log10(v) : v) : Double.NaN;
            if (ok[i]) m++;
        }
        double[] sm = ema(ys, smoothing);
        cv.rect(left, top, pw, ph, BLACK);
        if (m == 0) {
            cv.textCentered(left + pw / 2, top + ph / 2, "NO DATA", RED, FONT);
            return cv;
        }
        double xmin = Double.POSITIVE_INFINITY, xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY, smax = Double.NEGATIVE_INFINITY;
        double[] finite = new double[m];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (!ok[i]) continue;
            xmin = Math.min(xmin, xs[i]);
            xmax = Math.max(xmax, xs[i]);
            ymin = Math.min(ymin, ys[i]);
            smax = Math.max(smax, sm[i]);
            finite[j++] = ys[i];
        }
        Arrays.sort(finite);
        double q99 = finite[Math.min(m - 1, (int) Math.ceil(0.99 * (m - 1)))];
        double ymax = Math.max(smax, q99);
        if (xmax == xmin) {
            xmin -= 0.5;
            xmax += 0.5;
        }
        if (ymax - ymin < 1e-12 * Math.max(1, Math.abs(ymax))) {
            double d = Math.max(Math.abs(ymax) * 0.05, 1e-3);
            ymin -= d;
            ymax += d;
        } else {
            double pad = (ymax - ymin) * 0.04;
            ymin -= pad;
            ymax += pad;
        }
        // ticks
        double[] xt = niceTicks(xmin, xmax, 6);
        double xstep = xt.length > 1 ? xt[1] - xt[0] : 1;
        for (double t : xt) {
            int px = left + (int) Math.round((t - xmin) / (xmax - xmin) * (pw - 1));
            cv.line(px, top + 1, px, top + ph - 2, GRID);
            cv.line(px, top + ph, px, top + ph + 3, BLACK);
            cv.textCentered(px, top + ph + 6, formatTick(t, xstep), BLACK, FONT);
        }
        cv.textCentered(left + pw / 2, top + ph + 8 + th, "STEP", BLACK, FONT);
        List<double[]> yt = logY ? logTicks(ymin, ymax) : linearTickLabels(ymin, ymax);
        for (double[] t : yt) {
            int py = top + ph - 1 - (int) Math.round((t[0] - ymin) / (ymax - ymin) * (ph - 1));
            cv.line(left + 1, py, left + pw - 2, py, GRID);
            cv.line(left - 4, py, left - 1, py, BLACK);
            String s = logY ? formatTick(Math.pow(10, t[0]), Math.pow(10, t[0])) : formatTick(t[0], t[1]);
            cv.text(left - 6 - Png.Canvas.textWidth(s, FONT), py - th / 2, s, BLACK, FONT);
        }
        cv.rect(left, top, pw, ph, BLACK);
        drawSeries(cv, xs, ys, ok, xmin, xmax, ymin, ymax, left, top, pw, ph, smoothing > 0 ? LIGHT_BLUE : BLUE);
        if (smoothing > 0) drawSeries(cv, xs, sm, ok, xmin, xmax, ymin, ymax, left, top, pw, ph, BLUE);
        return cv;
    }

    private static void drawSeries(Png.Canvas cv, double[] xs, double[] ys, boolean[] ok, double xmin, double xmax,
                                   double ymin, double ymax, int left, int top, int pw, int ph, int color) {
        int px0 = 0, py0 = 0;
        boolean have = false;
        for (int i = 0; i < xs.length; i++) {
            if (!ok[i]) {
                have = false;
                continue;
            }
            double fy = (ys[i] - ymin) / (ymax - ymin);
            fy = Math.max(0, Math.min(1, fy));
            int px = left + (int) Math.round((xs[i] - xmin) / (xmax - xmin) * (pw - 1));
            int py = top + ph - 1 - (int) Math.round(fy * (ph - 1));
            if (have) cv.line(px0, py0, px, py, color);
            else cv.point(px, py, color);
            px0 = px;
            py0 = py;
            have = true;
        }
    }

    /**
     * Bias-corrected exponential moving average (as in TensorBoard): {@code s_t = w s_{t-1} + (1-w) y_t},
     * divided by {@code 1 - w^k} after k finite samples. NaN entries are skipped (output NaN).
     */
    public static double[] ema(double[] ys, double w) {
        double[] out = new double[ys.length];
        double acc = 0, norm = 0;
        for (int i = 0; i < ys.length; i++) {
            if (Double.isNaN(ys[i])) {
                out[i] = Double.NaN;
                continue;
            }
            acc = w * acc + (1 - w) * ys[i];
            norm = w * norm + (1 - w);
            out[i] = acc / norm;
        }
        return out;
    }

    /**
     * "Nice" tick positions (multiples of 1, 2 or 5 times a power of ten) inside [lo, hi], aiming
     * at about {@code target} ticks.
     */
    public static double[] niceTicks(double lo, double hi, int target) {
        if (!(hi > lo) || !Double.isFinite(lo) || !Double.isFinite(hi)) return new double[] {lo};
        double raw = (hi - lo) / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
        double first = Math.ceil(lo / step - 1e-9) * step;
        List<Double> t = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            double v = first + i * step;
            if (v > hi + step * 1e-9) break;
            if (Math.abs(v) < step * 1e-9) v = 0; // avoid "-0"
            t.add(v);
        }
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = t.get(i);
        return out;
    }

    /**
     * Formats a tick value given the tick spacing: fixed-point with just enough decimals for the
     * spacing, or scientific notation for very large/small magnitudes.
     */
    public static String formatTick(double v, double step) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e6 || a < 1e-4) return String.format(Locale.ROOT, "%.1e", v);
        int dec = step > 0 ? (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9)) : 2;
        dec = Math.min(dec, 6);
        return String.format(Locale.ROOT, "%." + dec + "f", v);
    }

    private static List<double[]> linearTickLabels(double lo, double hi) {
        double[] t = niceTicks(lo, hi, 5);
        double step = t.length > 1 ? t[1] - t[0] : Math.abs(hi - lo);
        List<double[]> out = new ArrayList<>();
        for (double v : t) out.add(new double[] {v, step});
        return out;
    }

    /** Ticks in log10 space: decades, then 2x/5x if fewer than two fall in range, else nice linear. */
    private static List<double[]> logTicks(double lo, double hi) {
        List<double[]> out = new ArrayList<>();
        for (int e = (int) Math.ceil(lo); e <= Math.floor(hi); e++) out.add(new double[] {e, 0});
        if (out.size() >= 2) return out;
        out.clear();
        for (int e = (int) Math.floor(lo); e <= Math.ceil(hi); e++) {
            for (double mult : new double[] {1, 2, 5}) {
                double v = e + Math.log10(mult);
                if (v >= lo && v <= hi) out.add(new double[] {v, 0});
            }
        }
        if (out.size() >= 2) return out;
        out.clear();
        for (double v : niceTicks(Math.pow(10, lo), Math.pow(10, hi), 4)) {
            if (v > 0) out.add(new double[] {Math.log10(v), 0});
        }
        return out;
    }
}
