package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LossPlotTest {
    /** How many pixels of {@code color} the columns [x0, x1) of the image hold. */
    static int pixels(BufferedImage img, int x0, int x1, Color color) {
        int n = 0;
        for (int x = x0; x < x1; x++) {
            for (int y = 0; y < img.getHeight(); y++) if ((img.getRGB(x, y) & 0xffffff) == (color.getRGB() & 0xffffff)) n++;
        }
        return n;
    }

    @Test
    void thePanelsHoldEachRoundsValuesAndTheTestAccuracy() {
        double[] loss = {2.0, 1.25, 0.5}, acc = {0.4, 0.7, 0.9};
        List<XYChart> charts = LossPlot.charts("t", LossPlot.Curves.training(loss, acc), 0.85);
        assertEquals(2, charts.size());
        XYSeries lossCurve = charts.get(0).getSeriesMap().get("training loss");
        assertArrayEquals(new double[]{1, 2, 3}, lossCurve.getXData(), "round numbers from 1");
        assertArrayEquals(loss, lossCurve.getYData());
        assertArrayEquals(acc, charts.get(1).getSeriesMap().get("training accuracy").getYData());
        XYSeries test = charts.get(1).getSeriesMap().get("test accuracy");
        assertArrayEquals(new double[]{0.85, 0.85}, test.getYData(), "a flat line at the test accuracy");
        assertArrayEquals(new double[]{1, 3}, test.getXData(), "across all rounds");
    }

    @Test
    void noAccuracyNoSecondPanel(@TempDir Path tmp) throws Exception {
        assertEquals(1, LossPlot.charts("t", LossPlot.Curves.training(new double[]{1, 0.5}, new double[]{Double.NaN, Double.NaN}), Double.NaN).size());
        assertEquals(1, LossPlot.charts("t", LossPlot.Curves.training(new double[]{1, 0.5}, new double[]{0.5, 0.6}), Double.NaN).get(1).getSeriesMap().size(),
                "no test line without a test accuracy");
        Path png = tmp.resolve("sub/loss.png");
        LossPlot.write(png, "regression", LossPlot.Curves.training(new double[]{1, 0.5, 0.25}, null), Double.NaN);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(560, img.getWidth());
        assertEquals(420, img.getHeight());
    }

    @Test
    void thePngShowsLossLeftAndAccuracyRight(@TempDir Path tmp) throws Exception {
        Path png = tmp.resolve("loss.png");
        LossPlot.write(png, "t", LossPlot.Curves.training(new double[]{2.0, 1.25, 0.5, 0.4}, new double[]{0.4, 0.7, 0.9, 0.92}), 0.88);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(1120, img.getWidth());
        assertTrue(pixels(img, 0, 560, LossPlot.LOSS) > 20, "loss curve on the left");
        assertEquals(0, pixels(img, 560, 1120, LossPlot.LOSS), "no loss colour on the right");
        assertTrue(pixels(img, 560, 1120, LossPlot.ACC) > 20, "accuracy curve on the right");
        assertTrue(pixels(img, 560, 1120, LossPlot.TEST) > 20, "test accuracy line on the right");
    }

    @Test
    void validationFiguresAreDashedCurvesBesideTheTrainingOnesAtTheirRounds(@TempDir Path tmp) throws Exception {
        // A resumed fit: rounds 3 to 5, validated after rounds 3 to 5.
        LossPlot.Curves c = new LossPlot.Curves(new double[]{3, 4, 5}, new double[]{1.0, 0.8, 0.6}, new double[]{0.6, 0.7, 0.8},
                new double[]{3, 4, 5}, new double[]{1.1, 0.95, 0.9}, new double[]{0.55, 0.62, 0.66});
        List<XYChart> charts = LossPlot.charts("t", c, 0.66);
        XYSeries loss = charts.get(0).getSeriesMap().get("validation loss"), acc = charts.get(1).getSeriesMap().get("validation accuracy");
        assertArrayEquals(new double[]{3, 4, 5}, loss.getXData());
        assertArrayEquals(new double[]{1.1, 0.95, 0.9}, loss.getYData());
        assertArrayEquals(new double[]{0.55, 0.62, 0.66}, acc.getYData());
        assertEquals(Set.of("training accuracy", "validation accuracy"), charts.get(1).getSeriesMap().keySet(), "no flat test line beside per-round figures");

        Path png = tmp.resolve("v.png");
        LossPlot.write(png, "t", c, Double.NaN);
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(pixels(img, 0, 560, LossPlot.VALIDATION) > 20, "validation loss on the left");
        assertTrue(pixels(img, 560, 1120, LossPlot.VALIDATION) > 20, "validation accuracy on the right");
    }
}
