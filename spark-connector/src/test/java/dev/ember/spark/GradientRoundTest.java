package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Generator;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.F;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.Parameter;
import dev.ember.engine.nn.spec.ModelSpec;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.SGD;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** averaging = "gradients": every round is one optimizer step of one worker over the union of the workers' batches. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class GradientRoundTest {
    /** y = w . x + b with w = 0, b = 0: one step's values can be worked out by hand. */
    public static final class ZeroLinear implements ModuleFactory {
        @Override public Module create() {
            Linear l = new Linear(2, 1);
            try (var noGrad = GradMode.noGrad()) {
                l.weight.zero_();
                l.bias.zero_();
            }
            return l;
        }
    }

    private static Row row(double y, double x0, double x1) { return RowFactory.create(y, Vectors.dense(x0, x1)); }

    /** Four rows on two workers of two rows each: with batchSize 4, the first step's batch is all of them, in any order. */
    private static final List<Row> FOUR = List.of(row(1, 1, 0), row(2, 0, 1), row(3, 1, 1), row(-1, 2, 0));

    private static EmberEstimator linear(String optimizer) {
        return new EmberEstimator().setModelFactory(ZeroLinear.class.getName()).setLoss("mse").setOptimizer(optimizer).setLearningRate(0.1)
                .setBatchSize(4).setMaxEpochs(1).setAveraging("gradients");
    }

    private static float[] weights(EmberModel m) {
        Map<String, Tensor> s = m.module().stateDict();
        float[] w = s.get("weight").toFloatArray(), b = s.get("bias").toFloatArray();
        return new float[]{w[0], w[1], b[0]};
    }

    @Test
    void oneSgdStepOverTwoWorkersIsWorkedOutByHand() {
        // MSE at w = b = 0: dL/dw = -2/4 sum(y x) = -(2, 5) / 2, dL/db = -2/4 sum(y) = -5/2; lr 0.1 steps against them.
        EmberModel m = linear("sgd").fit(TestSpark.frame(FOUR, 2));
        assertArrayEquals(new float[]{0.1f, 0.25f, 0.25f}, weights(m), 1e-7f);
        assertEquals(1, m.summary().totalRounds());
        assertEquals("gradients", m.summary().averaging());
        assertEquals(4, m.summary().rounds().get(0).samples());
    }

    @Test
    void oneAdamStepMovesEachParameterByTheLearningRateAgainstItsGradientsSign() {
        // Adam's first step is lr * g / (|g| + eps): 0.1 against the sign of each gradient, all negative here.
        assertArrayEquals(new float[]{0.1f, 0.1f, 0.1f}, weights(linear("adam").fit(TestSpark.frame(FOUR, 2))), 1e-6f);
    }

    @Test
    void sgdAndAdamOverFourWorkersFollowTheEngineLoopOnTheUnionOfTheirBatches() {
        List<Row> rows = TestSpark.blobRows(200, 5);
        for (String optimizer : List.of("sgd", "adam")) {
            // 4 workers of 50 rows, 8 each a step: 7 steps an epoch, the last of 2 rows a worker; 3 epochs.
            EmberModel fitted = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setOptimizer(optimizer).setMomentum(0.9)
                    .setLearningRate(0.01).setBatchSize(32).setMaxEpochs(3).setSeed(7).setAveraging("gradients").fit(TestSpark.frame(rows, 4));
            assertEquals(21, fitted.summary().totalRounds());
            Function<List<Parameter>, Optimizer> opt = optimizer.equals("sgd")
                    ? p -> SGD.builder(p).lr(0.01).momentum(0.9).build() : p -> Adam.builder(p).lr(0.01).build();
            Module expected = unionLoop(rows, 4, 8, 7, 3, opt);
            expected.stateDict().forEach((k, v) ->
                    assertArrayEquals(v.toFloatArray(), fitted.module().stateDict().get(k).toFloatArray(), 2e-5f, optimizer + " " + k));
        }
    }

    /**
     * One worker's engine loop whose step s takes, from each of the {@code workers} equal slices of {@code rows}, batch s of
     * that slice's shuffle (the documented per-partition DataLoader order), all concatenated in partition order.
     */
    private static Module unionLoop(List<Row> rows, int workers, int workerBatch, long seed, int epochs, Function<List<Parameter>, Optimizer> optimizer) {
        int per = rows.size() / workers;
        Module model;
        try (var scope = Generator.useAsDefault(new Generator(seed))) {
            model = ModelSpec.parse(TestSpark.mlpSpec(4, 3)).build();
        }
        Optimizer opt = optimizer.apply(model.parameters());
        Generator[] shuffles = new Generator[workers];
        for (int p = 0; p < workers; p++) shuffles[p] = new Generator(TrainConfig.shuffleSeed(seed, p));
        for (int epoch = 0; epoch < epochs; epoch++) {
            int[][] orders = new int[workers][];
            for (int p = 0; p < workers; p++) orders[p] = shuffles[p].permutation(per);
            for (int at = 0; at < per; at += workerBatch) {
                List<Row> batch = new ArrayList<>();
                for (int p = 0; p < workers; p++) {
                    for (int i = at; i < Math.min(per, at + workerBatch); i++) batch.add(rows.get(p * per + orders[p][i]));
                }
                opt.zeroGrad();
                F.crossEntropy(model.forward(features(batch)), labels(batch)).backward();
                opt.step();
            }
        }
        return model;
    }

    private static Tensor features(List<Row> rows) {
        float[] x = new float[rows.size() * 4];
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).get(1)).toArray();
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) v[j];
        }
        return Tensor.fromStorage(Storage.of(x), new int[]{rows.size(), 4});
    }

    private static Tensor labels(List<Row> rows) {
        long[] y = new long[rows.size()];
        for (int i = 0; i < y.length; i++) y[i] = (long) rows.get(i).getDouble(0);
        return Tensor.fromStorage(Storage.of(y), new int[]{y.length});
    }

    @Test
    void tasksTakeWholeBlocksOfAdjacentPartitionsWhateverTheirNumber() {
        org.apache.spark.rdd.RDD<Integer> rdd = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext())
                .parallelize(java.util.stream.IntStream.range(0, 24).boxed().toList(), 24).rdd();
        for (int slots : new int[]{1, 2, 3, 5, 64}) {
            org.apache.spark.rdd.PartitionGroup[] groups = new GradientRound.BlockGroups(8).coalesce(slots, rdd);
            assertEquals(Math.min(slots, 3), groups.length, "slots " + slots); // 3 blocks of 8
            int next = 0;
            for (org.apache.spark.rdd.PartitionGroup g : groups) {
                assertEquals(0, g.partitions().head().index() % 8, "a group starts a block");
                for (org.apache.spark.Partition part : scala.jdk.javaapi.CollectionConverters.asJava(g.partitions())) assertEquals(next++, part.index());
            }
            assertEquals(24, next);
        }
    }

    @Test
    void manyOneRowWorkersTrainInBlocksAndRepeatBitForBit() {
        // 24 partitions of one row a step: blocks of 16 partitions (the tree's nodes), so 2 forward passes a round.
        Dataset<Row> data = TestSpark.blobs(480, 3, 24);
        EmberEstimator e = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(24).setMaxEpochs(1).setSeed(4);
        EmberModel first = e.fit(data), second = e.fit(data);
        assertEquals("gradients", first.summary().averaging()); // auto: 1 row a worker step
        assertEquals(20, first.summary().totalRounds());
        first.module().stateDict().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), second.module().stateDict().get(k).toFloatArray(), 0f, k));
        assertEquals(16, GradientRound.blockSize(24, 1));
        assertEquals(4, GradientRound.blockSize(32, 4));
        assertEquals(1, GradientRound.blockSize(2, 64));
        assertEquals(8, GradientRound.blockSize(8, 1)); // never more than the partitions
    }

    @Test
    void aResumedFitEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) {
        Dataset<Row> data = TestSpark.blobs(240, 5, 3);
        java.util.function.BiFunction<Path, Integer, EmberEstimator> estimator = (d, epochs) -> new EmberEstimator()
                .setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.05).setBatchSize(48).setSeed(3).setMaxEpochs(epochs)
                .setAveraging("gradients").setCheckpointDir(d == null ? "" : d.toString());
        estimator.apply(dir, 1).fit(data); // 5 rounds of one step; the driver's Adam state is in each checkpoint
        EmberModel resumed = estimator.apply(dir, 2).fit(data);
        assertEquals(6, resumed.summary().rounds().get(0).round());
        EmberModel straight = estimator.apply(null, 2).fit(data);
        straight.module().stateDict().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), resumed.module().stateDict().get(k).toFloatArray(), 0f, k));
        assertTrue(straight.summary().accuracyHistory()[9] > 0.8, java.util.Arrays.toString(straight.summary().accuracyHistory()));
    }

    @Test
    void autoAveragesGradientsOnlyForSmallWorkerBatchesAndSettingsContradictingGradientsAreRefused() {
        assertTrue(TrainConfig.averagesGradients("auto", 0, true, false, 32, 4));
        assertTrue(TrainConfig.averagesGradients("auto", 0, true, false, 128, 1));
        assertTrue(!TrainConfig.averagesGradients("auto", 0, true, false, 8, 16));  // 16 rows a step: local SGD kept its accuracy
        assertTrue(!TrainConfig.averagesGradients("auto", 0, true, false, 1, 4));   // one worker: nothing to synchronize
        assertTrue(!TrainConfig.averagesGradients("auto", 4, true, false, 32, 4));  // local steps asked for: weights
        assertTrue(!TrainConfig.averagesGradients("weights", 0, true, false, 128, 1));
        assertTrue(TrainConfig.averagesGradients("gradients", 1, true, false, 2, 64));
        assertTrue(!TrainConfig.averagesGradients("auto", 0, false, false, 128, 1)); // an outer update asked for: weights
        assertTrue(!TrainConfig.averagesGradients("auto", 0, true, true, 128, 1));  // averageOptimizerState set: weights
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> linear("sgd").setLocalSteps(4).fit(TestSpark.frame(FOUR, 2)));
        assertTrue(e.getMessage().contains("localSteps = 4 contradicts averaging = \"gradients\""), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> linear("sgd").setOuterMomentum(0.5).fit(TestSpark.frame(FOUR, 2)));
        assertTrue(e.getMessage().contains("outerLearningRate / outerMomentum step over averaged weights"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EmberEstimator().setAveraging("sometimes"));
        for (boolean average : new boolean[]{true, false}) { // either value, once set, asks for something gradients cannot do
            e = assertThrows(IllegalArgumentException.class, () -> linear("adam").setAverageOptimizerState(average).fit(TestSpark.frame(FOUR, 2)));
            assertTrue(e.getMessage().startsWith("averageOptimizerState is set, but averaging = \"gradients\""), e.getMessage());
        }
    }

    @Test
    void averagingPersistsIsExplainedAndCrossValidatorSearchesOverIt(@TempDir Path dir) throws Exception {
        EmberEstimator e = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.02).setBatchSize(32).setMaxEpochs(2)
                .setSeed(2).setAveraging("Gradients");
        assertEquals("gradients", e.getAveraging());
        assertEquals("auto", new EmberEstimator().getAveraging());
        assertTrue(e.explainParams().contains("averaging: what the workers' results average into each round"), e.explainParams());
        String path = dir.resolve("estimator").toString();
        e.write().save(path);
        assertEquals("gradients", EmberEstimator.load(path).getAveraging());
        org.apache.spark.ml.param.ParamMap[] grid = new org.apache.spark.ml.tuning.ParamGridBuilder()
                .addGrid(e.averaging(), scala.jdk.javaapi.CollectionConverters.asScala(List.of("gradients", "weights"))).build();
        org.apache.spark.ml.tuning.CrossValidatorModel cv = new org.apache.spark.ml.tuning.CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
                .setEvaluator(new org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator().setMetricName("accuracy"))
                .setNumFolds(2).setSeed(1).fit(TestSpark.blobs(300, 17, 2));
        double[] metrics = cv.avgMetrics();
        assertTrue(metrics[0] > 0.8 && metrics[1] > 0.8, java.util.Arrays.toString(metrics)); // both ways learn the blobs
        assertEquals(metrics[0] >= metrics[1] ? "gradients" : "weights", ((EmberModel) cv.bestModel()).getAveraging());
    }
}
