package dev.ember.examples.spark;

import dev.ember.spark.TrainingSummary;
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
 * Training curves as a PNG, drawn with XChart: the mean loss per round on the left and the accuracy per round on the
 * right, each panel 560x420. Training figures are solid; the held-out rows' figures after each round (the summary's
 * validation, when the fit had a {@code validationIndicatorCol}) are dashed beside them; a known test accuracy without
 * per-round validation is a flat dashed line.
 */
public final class LossPlot {
    static final int PANEL_W = 560, H = 420;
    static final Color LOSS = new Color(0x1f77b4), ACC = new Color(0x2ca02c), VALIDATION = new Color(0xff7f0e), TEST = new Color(0xd62728);

    private LossPlot() {}

    /** What is drawn: training loss and accuracy at {@code rounds}, validation loss and accuracy at {@code validationRounds} (may be empty). */
    public record Curves(double[] rounds, double[] loss, double[] accuracy, double[] validationRounds, double[] validationLoss,
                         double[] validationAccuracy) {
        /** A fit's curves: its rounds, and its validation figures when it had held-out rows. */
        public static Curves of(TrainingSummary s) {
            return new Curves(s.rounds().stream().mapToDouble(TrainingSummary.Round::round).toArray(), s.objectiveHistory(), s.accuracyHistory(),
                    s.validation().stream().mapToDouble(TrainingSummary.Evaluation::afterRound).toArray(), s.validationLossHistory(),
                    s.validationAccuracyHistory());
        }

        /** Training curves alone, rounds numbered from 1 ({@code accuracy} null or NaNs for regression). */
        public static Curves training(double[] loss, double[] accuracy) {
            return new Curves(IntStream.rangeClosed(1, loss.length).asDoubleStream().toArray(), loss, accuracy, new double[0], new double[0], new double[0]);
        }

        boolean hasAccuracy() { return accuracy != null && accuracy.length > 0 && !Double.isNaN(accuracy[0]); }

        boolean hasValidation() { return validationRounds.length > 0; }
    }

    /** Writes the PNG; {@code testAccuracy} (NaN if unknown) is drawn only when the curves have no validation figures. */
    public static void write(Path png, String title, Curves curves, double testAccuracy) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<XYChart> panels = charts(title, curves, testAccuracy);
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

    /** The panels: loss, and accuracy when there is one. */
    static List<XYChart> charts(String title, Curves c, double testAccuracy) {
        List<XYChart> panels = new ArrayList<>();
        XYChart lossChart = panel(title + ": loss", "loss (mean per example)", Styler.LegendPosition.InsideNE);
        curve(lossChart, "training loss", c.rounds(), c.loss(), LOSS, false);
        if (c.hasValidation()) curve(lossChart, "validation loss", c.validationRounds(), c.validationLoss(), VALIDATION, true);
        panels.add(lossChart);
        if (c.hasAccuracy()) {
            XYChart acc = panel("accuracy", "accuracy", Styler.LegendPosition.InsideSE); // below the rising curve
            curve(acc, "training accuracy", c.rounds(), c.accuracy(), ACC, false);
            if (c.hasValidation()) {
                curve(acc, "validation accuracy", c.validationRounds(), c.validationAccuracy(), VALIDATION, true);
            } else if (Double.isFinite(testAccuracy)) {
                double last = c.rounds().length > 0 ? c.rounds()[c.rounds().length - 1] : 1;
                XYSeries test = acc.addSeries("test accuracy", new double[]{c.rounds().length > 0 ? c.rounds()[0] : 1, last},
                        new double[]{testAccuracy, testAccuracy});
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

    private static void curve(XYChart c, String name, double[] x, double[] y, Color color, boolean dashed) {
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarkerColor(color);
        s.setMarker(dashed ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
        if (dashed) s.setLineStyle(SeriesLines.DASH_DASH);
    }
}
