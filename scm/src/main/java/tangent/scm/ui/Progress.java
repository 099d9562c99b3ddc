package tangent.scm.ui;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress reporting for long loops.
 *
 * <p>Interactive mode (default when {@code System.console() != null}): one line redrawn in place
 * with {@code \r}, e.g. {@code train [#####.........] 100/2000 loss 0.1234 12.3 steps/s eta 2m31s},
 * redrawn at most every 100 ms. Log mode (console absent, e.g. redirected to a file): one plain
 * line every {@code every} steps, e.g. {@code train step 100/2000 loss 0.1234 12.3 steps/s eta 2m31s}.
 * {@link #finish()} (or {@link #close()}) prints the final line once, with the total time.
 *
 * <p>steps/s is measured since construction (or the first {@link #update}'s step base), so it
 * reflects the average rate; ETA = remaining steps / rate.
 */
public final class Progress implements AutoCloseable {
    private static final int BAR = 20;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final String label;
    private final long total;
    private final long every;
    private final PrintStream out;
    private final boolean interactive;
    private final LongSupplier clock;
    private final long startNanos;
    private long lastDraw;
    private boolean drawn;
    private long lastLoggedStep = -1;
    private long step;
    private double loss = Double.NaN;
    private String extra = "";
    private int lastLen;
    private boolean finished;
    private String unit = "steps";
    private boolean showLoss = true;

    /**
     * Creates a progress reporter on {@code System.out}; interactive when a console is attached.
     *
     * @param label prefix of every line (may be empty)
     * @param total number of steps (> 0)
     * @param every in log mode, print every {@code every} steps
     */
    public Progress(String label, long total, long every) {
        this(label, total, every, System.out, System.console() != null, System::nanoTime);
    }

    /** Fully configurable constructor (for tests): output stream, mode and nanosecond clock. */
    public Progress(String label, long total, long every, PrintStream out, boolean interactive, LongSupplier nanoClock) {
        if (total <= 0) throw new IllegalArgumentException("total must be positive, got " + total);
        if (every <= 0) throw new IllegalArgumentException("every must be positive, got " + every);
        this.label = label == null ? "" : label;
        this.total = total;
        this.every = every;
        this.out = out;
        this.interactive = interactive;
        this.clock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /** Counts things other than training steps (e.g. "samples"): no loss column, the rate in unit/s. */
    public Progress counting(String unit) {
        this.unit = unit;
        this.showLoss = false;
        return this;
    }

    /** Whether this reporter redraws one line in place. */
    public boolean interactive() {
        return interactive;
    }

    /** Reports that {@code step} steps (1-based count) are done with the given current loss. */
    public void update(long step, double loss) {
        update(step, loss, "");
    }

    /** Like {@link #update(long, double)} with extra text appended (e.g. {@code "lr 1e-4"}). */
    public void update(long step, double loss, String extra) {
        if (finished) return;
        this.step = step;
        this.loss = loss;
        this.extra = extra == null ? "" : extra;
        long now = clock.getAsLong();
        if (interactive) {
            if (!drawn || now - lastDraw >= REDRAW_NANOS || step >= total) {
                drawn = true;
                lastDraw = now;
                draw(formatBar(now));
            }
        } else if (step % every == 0 && step != lastLoggedStep) {
            lastLoggedStep = step;
            out.println(formatLine(now));
        }
    }

    /** Prints the final line (once) and, in interactive mode, ends the line. */
    public void finish() {
        if (finished) return;
        finished = true;
        long now = clock.getAsLong();
        String done = " done in " + formatDuration((now - startNanos) / 1e9);
        if (interactive) {
            draw(formatBar(now) + done);
            out.println();
        } else {
            out.println(formatLine(now) + done);
        }
        out.flush();
    }

    /** Same as {@link #finish()}. */
    @Override
    public void close() {
        finish();
    }

    /** The log-mode line for the current state, e.g. {@code step 100/2000 loss 0.1234 12.3 steps/s eta 2m31s}. */
    public String formatLine(long nowNanos) {
        StringBuilder sb = new StringBuilder();
        if (!label.isEmpty()) sb.append(label).append(' ');
        sb.append("step ").append(step).append('/').append(total);
        appendStats(sb, nowNanos);
        return sb.toString();
    }

    private String formatBar(long nowNanos) {
        StringBuilder sb = new StringBuilder();
        if (!label.isEmpty()) sb.append(label).append(' ');
        int filled = (int) Math.min(BAR, Math.max(0, step * BAR / total));
        sb.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ");
        sb.append(step).append('/').append(total);
        appendStats(sb, nowNanos);
        return sb.toString();
    }

    private void appendStats(StringBuilder sb, long nowNanos) {
        if (showLoss) sb.append(" loss ").append(formatLoss(loss));
        double secs = (nowNanos - startNanos) / 1e9;
        double rate = secs > 0 ? step / secs : Double.NaN;
        sb.append(' ').append(Double.isFinite(rate) ? String.format(Locale.ROOT, "%.1f", rate) : "-").append(' ').append(unit).append("/s");
        if (Double.isFinite(rate) && rate > 0 && step < total) {
            sb.append(" eta ").append(formatDuration((total - step) / rate));
        }
        if (!extra.isEmpty()) sb.append(' ').append(extra);
    }

    private void draw(String s) {
        int pad = Math.max(0, lastLen - s.length());
        out.print("\r" + s + " ".repeat(pad));
        out.flush();
        lastLen = s.length();
    }

    /** Formats a loss with 4 significant decimals, or scientific notation when very small/large. */
    public static String formatLoss(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e5)) return String.format(Locale.ROOT, "%.3e", v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** Formats seconds as e.g. {@code 45s}, {@code 2m31s}, {@code 1h02m}, {@code 3d04h}. */
    public static String formatDuration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        long m = s / 60;
        if (m < 60) return m + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        long h = m / 60;
        if (h < 24) return h + "h" + String.format(Locale.ROOT, "%02d", m % 60) + "m";
        return (h / 24) + "d" + String.format(Locale.ROOT, "%02d", h % 24) + "h";
    }
}
