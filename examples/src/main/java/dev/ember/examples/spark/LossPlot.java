package dev.ember.examples.spark;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Training curves as a PNG, drawn with XChart: the mean training loss per round on the left and the training
 * accuracy per round on the right (with the test accuracy as a dashed line when known), each panel 560x420.
 */
public final class LossPlot {
    static final int PANEL_W = 560, H = 420;
    static final Color LOSS = new Color(0x1f77b4), ACC = new Color(0x2ca02c), TEST = new Color(0xd62728);

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
        List<XYChart> panels = charts(title, loss, accuracy, testAccuracy);
        BufferedImage img = new BufferedImage(panels.size() * PANEL_W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            for (int i = 0; i < panels.size(); i++) g.drawImage(BitmapEncoder.getBufferedImage(panels.get(i)), i * PANEL_W, 0, null);
        } finally {
            g.dispose();
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(img, "png", png.toFile())) throw new IOException("no PNG writer in this JVM");
    }

    /** The panels: loss, and accuracy when there is one (with the test accuracy when it is known). */
    static List<XYChart> charts(String title, double[] loss, double[] accuracy, double testAccuracy) {
        double[] rounds = IntStream.rangeClosed(1, loss.length).asDoubleStream().toArray();
        List<XYChart> panels = new ArrayList<>();
        XYChart lossChart = panel(title + ": training loss", "loss (mean cross-entropy)", Styler.LegendPosition.InsideNE);
        curve(lossChart, "training loss", rounds, loss, LOSS);
        panels.add(lossChart);
        if (accuracy != null && accuracy.length > 0 && !Double.isNaN(accuracy[0])) {
            XYChart acc = panel("accuracy", "accuracy", Styler.LegendPosition.InsideSE); // below the rising curve
            curve(acc, "training accuracy", rounds, accuracy, ACC);
            if (Double.isFinite(testAccuracy)) {
                XYSeries test = acc.addSeries("test accuracy", new double[]{1, Math.max(1, loss.length)}, new double[]{testAccuracy, testAccuracy});
                test.setLineColor(TEST);
                test.setLineStyle(SeriesLines.DASH_DASH);
                test.setMarker(SeriesMarkers.NONE);
            }
            panels.add(acc);
        }
        return panels;
    }

    private static XYChart panel(String title, String yLabel, Styler.LegendPosition legend) {
        XYChart c = new XYChartBuilder().width(PANEL_W).height(H).title(title).xAxisTitle("round").yAxisTitle(yLabel).build();
        c.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(legend).setMarkerSize(6);
        return c;
    }

    private static void curve(XYChart c, String name, double[] x, double[] y, Color color) {
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
