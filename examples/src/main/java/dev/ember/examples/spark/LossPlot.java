package dev.ember.examples.spark;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Training curves as a PNG, drawn with java.awt (headless): the mean training loss per round on the left and
 * the training accuracy per round on the right (with the test accuracy as a dashed line when known).
 */
public final class LossPlot {
    private static final int PANEL_W = 560, H = 420, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 55;
    private static final Color LOSS = new Color(0x1f77b4), ACC = new Color(0x2ca02c), TEST = new Color(0xd62728), GRID = new Color(0xe6e6e6);

    private LossPlot() {}

    /**
     * Writes the PNG.
     *
     * @param loss         mean training loss of each round
     * @param accuracy     training accuracy of each round (NaNs: no accuracy panel)
     * @param testAccuracy the test accuracy after training, or NaN
     */
    public static void write(Path png, String title, double[] loss, double[] accuracy, double testAccuracy) throws IOException {
        System.setProperty("java.awt.headless", "true");
        boolean hasAccuracy = accuracy != null && accuracy.length > 0 && !Double.isNaN(accuracy[0]);
        int w = hasAccuracy ? 2 * PANEL_W : PANEL_W;
        BufferedImage img = new BufferedImage(w, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, H);
            panel(g, 0, title + ": training loss", "loss (mean cross-entropy)", loss, LOSS, Double.NaN, false);
            if (hasAccuracy) panel(g, PANEL_W, "accuracy", "accuracy", accuracy, ACC, testAccuracy, true);
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer in this JVM");
    }

    private static void panel(Graphics2D g, int x0, String title, String yLabel, double[] ys, Color color, double reference, boolean isAccuracy) {
        int px = x0 + LEFT, py = TOP, pw = PANEL_W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
        int n = ys.length;
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double y : ys) if (Double.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
        if (Double.isFinite(reference)) { lo = Math.min(lo, reference); hi = Math.max(hi, reference); }
        if (!Double.isFinite(lo)) { lo = 0; hi = 1; }
        if (!isAccuracy) lo = Math.min(lo, 0) == 0 && lo < 0.5 * hi ? 0 : lo;
        double pad = Math.max(1e-6, (hi - lo) * 0.08);
        lo -= pad;
        hi += pad;
        if (isAccuracy) { lo = Math.max(0, lo); hi = Math.min(1, hi); }
        if (!isAccuracy && lo < 0) lo = 0;
        double xlo = 0.5, xhi = Math.max(1, n) + 0.5;
        double[] yt = ticks(lo, hi, 6), xt = ticks(1, Math.max(2, n), Math.min(10, Math.max(2, n)));
        double fyLo = lo, fyHi = hi;
        java.util.function.DoubleUnaryOperator sx = v -> px + (v - xlo) / (xhi - xlo) * pw;
        java.util.function.DoubleUnaryOperator sy = v -> py + ph - (v - fyLo) / (fyHi - fyLo) * ph;

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        // grid and ticks
        for (double t : yt) {
            if (t < lo - 1e-12 || t > hi + 1e-12) continue;
            int y = (int) Math.round(sy.applyAsDouble(t));
            g.setColor(GRID);
            g.drawLine(px, y, px + pw, y);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(px - 5, y, px, y);
            String s = label(t, yt);
            g.drawString(s, px - 8 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
        }
        for (double t : xt) {
            if (t < xlo - 1e-9 || t > xhi + 1e-9 || t != Math.rint(t)) continue;
            int x = (int) Math.round(sx.applyAsDouble(t));
            g.setColor(GRID);
            g.drawLine(x, py, x, py + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x, py + ph, x, py + ph + 5);
            String s = String.valueOf((long) t);
            g.drawString(s, x - fm.stringWidth(s) / 2, py + ph + 8 + fm.getAscent());
        }
        // axes
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1.2f));
        g.drawRect(px, py, pw, ph);
        // labels
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        FontMetrics tf = g.getFontMetrics();
        g.drawString(title, px + (pw - tf.stringWidth(title)) / 2, py - 14);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics lf = g.getFontMetrics();
        String xLabel = "round";
        g.drawString(xLabel, px + (pw - lf.stringWidth(xLabel)) / 2, H - 12);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(py + (ph + lf.stringWidth(yLabel)) / 2), x0 + 18);
        g.setTransform(saved);
        // reference line
        if (Double.isFinite(reference)) {
            int y = (int) Math.round(sy.applyAsDouble(reference));
            g.setColor(TEST);
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
            g.drawLine(px, y, px + pw, y);
        }
        // the curve
        g.setColor(color);
        g.setStroke(new BasicStroke(2f));
        int prevX = -1, prevY = -1;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(ys[i])) { prevX = -1; continue; }
            int x = (int) Math.round(sx.applyAsDouble(i + 1)), y = (int) Math.round(sy.applyAsDouble(ys[i]));
            if (prevX >= 0) g.drawLine(prevX, prevY, x, y);
            g.fillOval(x - 3, y - 3, 7, 7);
            prevX = x;
            prevY = y;
        }
        // legend
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        String[] names = Double.isFinite(reference)
                ? new String[]{"train " + (isAccuracy ? "accuracy" : "loss"), String.format(Locale.ROOT, "test accuracy %.4f", reference)}
                : new String[]{"train " + (isAccuracy ? "accuracy" : "loss")};
        Color[] colors = {color, TEST};
        int ly = isAccuracy ? py + ph - 12 - 18 * (names.length - 1) : py + 16, lx = px + pw - 170;
        for (int i = 0; i < names.length; i++) {
            g.setColor(colors[i]);
            g.fillRect(lx, ly + 18 * i - 8, 16, 4);
            g.setColor(Color.BLACK);
            g.drawString(names[i], lx + 22, ly + 18 * i - 2);
        }
    }

    /** About {@code count} round-numbered ticks (1, 2 or 5 times a power of ten) covering [lo, hi]. */
    static double[] ticks(double lo, double hi, int count) {
        double raw = (hi - lo) / Math.max(1, count), mag = Math.pow(10, Math.floor(Math.log10(raw))), step;
        double r = raw / mag;
        step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
        double first = Math.ceil(lo / step - 1e-9) * step;
        int k = (int) Math.floor((hi - first) / step + 1e-9) + 1;
        double[] t = new double[Math.max(0, k)];
        for (int i = 0; i < t.length; i++) t[i] = first + i * step;
        return t;
    }

    private static String label(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = (int) Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
