package dev.ember.examples;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Fashion-MNIST examples reach their accuracy goals, which beat the published baselines
 * (MLP 256-128-100: 0.883; two conv layers with pooling: 0.916). Skipped where the dataset is not
 * installed (`apt-get install -y dataset-fashion-mnist`); .ci/run installs it.
 */
@Tag("slow") // trains on the real dataset: the MLP for 15 epochs, the CNN ~3.5 min
@Timeout(value = 20, unit = TimeUnit.MINUTES)
class FashionMnistTest {
    private static void assumeData() {
        assumeTrue(Files.exists(FashionMnistData.DIR.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed at " + FashionMnistData.DIR);
    }

    @Test void mlpBeatsThePublishedMlp() throws Exception {
        assumeData();
        double acc = FashionMnist.train("mlp", 15, true).last("val_accuracy");
        assertTrue(acc >= 0.885, "test accuracy " + acc);
    }

    @Test void cnnReaches0915() throws Exception {
        assumeData();
        double acc = FashionMnist.train("cnn", 6, true).last("val_accuracy");
        assertTrue(acc >= 0.915, "test accuracy " + acc);
    }
}
