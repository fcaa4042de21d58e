package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.examples.spark.BenchScaling.Options;
import dev.ember.examples.spark.BenchScaling.Result;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BenchScalingTest {
    private static Result result(int workers, int epochs, double accuracy) {
        return new Result(workers, epochs, accuracy, 1, 1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void optionsDefaultToLocal2AndTakeAMaster() {
        Options defaults = Options.parse(new String[0]);
        assertEquals("local[2]", defaults.master());
        assertArrayEquals(new int[]{1, 2, 8, 32, 128}, defaults.workers());
        assertArrayEquals(new int[]{5, 15}, defaults.epochs());
        assertEquals("auto", defaults.averaging());
        Options cluster = Options.parse(new String[]{"--workers", "8", "--epochs", "1", "--master", "local-cluster[2,1,2048]", "--averaging", "gradients"});
        assertEquals("local-cluster[2,1,2048]", cluster.master());
        assertArrayEquals(new int[]{8}, cluster.workers());
        assertArrayEquals(new int[]{1}, cluster.epochs());
        assertEquals("gradients", cluster.averaging());
    }

    @Test
    void badOptionsNameTheOptionAndValue() {
        var e = assertThrows(SparkJobs.UsageException.class, () -> Options.parse(new String[]{"--workers", "8,x"}));
        assertEquals("--workers must be positive integers separated by commas, got '8,x'", e.getMessage());
        e = assertThrows(SparkJobs.UsageException.class, () -> Options.parse(new String[]{"--epochs", "0"}));
        assertEquals("--epochs must be positive integers separated by commas, got '0'", e.getMessage());
        e = assertThrows(SparkJobs.UsageException.class, () -> Options.parse(new String[]{"--masters", "local[4]"}));
        assertTrue(e.getMessage().startsWith("unknown option --masters"), e.getMessage());
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(3.0, BenchScaling.median(new double[]{9, 1, 3}));
        assertEquals(2.5, BenchScaling.median(new double[]{4, 1, 9, 1, 2, 3}), "mean of the middle two of 1 1 2 3 4 9");
        assertTrue(Double.isNaN(BenchScaling.median(new double[0])));
    }

    @Test
    void accuracyTableHasAColumnPerEpochsWithPointsFromOneWorker() {
        List<Result> results = List.of(result(1, 5, 0.8839), result(128, 5, 0.8736), result(1, 15, 0.8953));
        String expected = "workers" + "   5 epochs (points)" + "  15 epochs (points)\n"
                + "      1" + "      0.8839 (+0.00)" + "      0.8953 (+0.00)\n"
                + "    128" + "      0.8736 (-1.03)" + "                   -\n"; // columns of 2 + 18 characters
        assertEquals(expected, BenchScaling.accuracyTable(results, new int[]{1, 128}, new int[]{5, 15}));
    }

    @Test
    void oneLinePerEpochsWithItsGoalLine() {
        List<Result> results = List.of(result(1, 5, 0.88), result(32, 5, 0.87), result(128, 5, 0.86), result(1, 15, 0.90), result(128, 15, 0.89));
        XYChart c = BenchScaling.chart(results, new int[]{5, 15});
        assertEquals(4, c.getSeriesMap().size());
        assertArrayEquals(new double[]{1, 32, 128}, c.getSeriesMap().get("5 epochs").getXData());
        assertArrayEquals(new double[]{0.88, 0.87, 0.86}, c.getSeriesMap().get("5 epochs").getYData());
        assertArrayEquals(new double[]{0.875, 0.875}, c.getSeriesMap().get("5 epochs: 1 worker - 0.5 points").getYData(), 1e-12);
        assertArrayEquals(new double[]{1, 128}, c.getSeriesMap().get("15 epochs: 1 worker - 0.5 points").getXData());
        assertTrue(c.getStyler().isXAxisLogarithmic());
    }

    @Test
    void noGoalLineWithoutOneWorker(@TempDir Path tmp) throws Exception {
        XYChart c = BenchScaling.chart(List.of(result(8, 5, 0.88), result(32, 5, 0.87)), new int[]{5});
        assertEquals(1, c.getSeriesMap().size());
        assertNull(c.getSeriesMap().get("5 epochs: 1 worker - 0.5 points"));
        Path png = tmp.resolve("sub/scaling.png");
        BenchScaling.plot(png, List.of(result(1, 5, 0.88), result(8, 5, 0.87)), new int[]{5});
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(720, img.getWidth());
        assertEquals(460, img.getHeight());
    }
}
