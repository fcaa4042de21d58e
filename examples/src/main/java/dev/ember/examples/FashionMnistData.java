package dev.ember.examples;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.data.Idx;

import java.nio.file.Files;
import java.nio.file.Path;

/** Fashion-MNIST from Debian's dataset-fashion-mnist IDX files, as normalized float32 images and int64 labels. */
final class FashionMnistData {
    static final Path DIR = Path.of(System.getProperty("ember.fashion.dir", "/usr/share/datasets/fashion-mnist"));
    // Mean and std of the training pixels, as the PyTorch tutorials normalize.
    static final double MEAN = 0.2860, STD = 0.3530;

    private FashionMnistData() {}

    /** {images [N, 1, 28, 28], labels [N]} of split "train" or "t10k". */
    static Tensor[] load(String split) throws Exception {
        Path images = DIR.resolve(split + "-images-idx3-ubyte.gz"), labels = DIR.resolve(split + "-labels-idx1-ubyte.gz");
        if (!Files.exists(images) || !Files.exists(labels)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + DIR + ": install it with `apt-get install -y dataset-fashion-mnist`"
                    + " or point -Dember.fashion.dir at a folder with the IDX files");
        }
        Tensor x = Idx.read(images).to(DType.FLOAT32).div(255.0).sub(MEAN).div(STD);
        return new Tensor[]{x.reshape(x.size(0), 1, 28, 28), Idx.read(labels).to(DType.INT64)};
    }
}
