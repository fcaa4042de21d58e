package dev.ember.examples;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

/** The entry point of {@code examples/run NAME [ARGS]}: maps example names to their main classes. */
public final class Run {
    private static final Map<String, String[]> EXAMPLES = new LinkedHashMap<>();

    static {
        add("tensor-basics", TensorBasics.class, "tutorial: creation, indexing, views, broadcasting, inverse and determinant");
        add("autograd-basics", AutogradBasics.class, "tutorial: derivatives, partial derivatives, vector-Jacobian products, grad_fn");
        add("gradient-descent", GradientDescent.class, "tutorial: minimize (x1-3)^2 + (x2+2)^2 by gradient descent");
        add("fashion-mnist", FashionMnist.class, "Fashion-MNIST MLP or CNN on the engine alone: fashion-mnist mlp|cnn [epochs] [threads]");
        add("linear-regression", LinearRegression.class, "tutorial: recover y = 1 + 2x from noisy samples with Linear, MSELoss and SGD");
        add("perceptron", Perceptron.class, "tutorial: one-layer perceptron with BCEWithLogitsLoss and a DataLoader");
        add("binary-classifier", BinaryClassifier.class, "tutorial: two-layer classifier with a sigmoid output and BCELoss");
        add("sine-fit", SineFit.class, "tutorial: fit sin(x) with a small MLP and Adam, reproducible from the seed");
        add("bench-mlp", BenchMlp.class, "Fashion-MNIST MLP training samples/s at 1 and 2 threads, next to PyTorch");
        add("prepare-fashion-mnist", dev.ember.examples.spark.PrepareFashionMnist.class, "Spark job: Fashion-MNIST IDX files -> Parquet (label, features Vector) train/ and test/");
        add("train-fashion-mnist", dev.ember.examples.spark.TrainJob.class, "Spark job: fit the EmberEstimator on Parquet, save the model and its loss curve PNG");
        add("score-fashion-mnist", dev.ember.examples.spark.ScoreJob.class, "Spark job: the same as `score` (an EmberModel folder): predictions to Parquet, accuracy");
        add("train", dev.ember.examples.spark.ParquetTrainJob.class, "Spark job: fit a model spec on any Parquet (features column or columns, label), save it");
        add("score", dev.ember.examples.spark.ScoreJob.class, "Spark job: apply a saved EmberModel or `train` model to Parquet, write predictions, print accuracy or RMSE");
        add("spark-fashion-mnist", dev.ember.examples.spark.SparkFashionMnist.class, "Spark: prepare -> train -> score Fashion-MNIST: spark-fashion-mnist [mlp|cnn] [epochs]");
        add("bench-bridge", dev.ember.examples.spark.BenchBridge.class, "rows/s and MB/s of Spark rows -> tensors (direct and through Arrow), next to plain Java copies");
        add("bench-transform", dev.ember.examples.spark.BenchTransform.class, "scoring rows/s: EmberModel.transform vs MLlib's LogisticRegression and MLPC models");
        add("bench-scaling", dev.ember.examples.spark.BenchScaling.class, "Fashion-MNIST MLP on 1 to 128 workers: test accuracy, fit time and where a round's time goes");
        add("bench-vs-mllib", dev.ember.examples.spark.BenchVsMllib.class, "Fashion-MNIST MLP: EmberEstimator vs MLlib's MultilayerPerceptronClassifier");
        add("bench-cuda", BenchCuda.class, "cuda:0: float32 GEMM GFLOP/s (fp32, TF32) and MLP training samples/s, next to PyTorch on the same GPU and Ember on the cpu");
        add("bench-gemm", BenchGemm.class, "float32 GEMM GFLOP/s at 1 and 2 threads, next to the system BLAS");
        add("model-spec-doc", dev.ember.engine.nn.spec.ModelSpecDoc.class, "regenerate docs/model-spec.md (every layer type, argument and default) from the layer registry");
        add("bench-save-load", BenchSaveLoad.class, "SavedModel save/load ms of a 0.9 MB and a 55 MB MLP, and SHA-256 / CRC32C digest MB/s");
        add("bench-rnn", BenchRnn.class, "LSTM(32, 128) batch 32 forward+backward ms per sequence and per step for T = 25..200, next to PyTorch");
    }

    private static void add(String name, Class<?> main, String what) {
        EXAMPLES.put(name, new String[]{main.getName(), what});
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !EXAMPLES.containsKey(args[0])) {
            if (args.length > 0) System.err.println("unknown example '" + args[0] + "'\n");
            System.out.println("usage: examples/run NAME [ARGS...]\n\nexamples:");
            EXAMPLES.forEach((name, v) -> System.out.printf("  %-22s %s%n", name, v[1]));
            System.exit(args.length == 0 ? 0 : 2);
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        Method main = Class.forName(EXAMPLES.get(args[0])[0]).getMethod("main", String[].class);
        main.invoke(null, (Object) rest);
    }
}
