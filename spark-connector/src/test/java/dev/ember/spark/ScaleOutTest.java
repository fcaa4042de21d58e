package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.DType;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The pieces that let the same settings train alike on many workers: batch split, local steps, warm-up, the outer update. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class ScaleOutTest {
    private static Snapshot snapshot(double[] w, double[] m, long steps) {
        Map<String, Tensor> e = new LinkedHashMap<>();
        e.put("model/w", Tensor.fromStorage(Storage.of(w), new int[]{w.length}));
        e.put("model/n", Tensor.scalar(steps, DType.FLOAT64).to(DType.INT64));
        e.put("optim/0/exp_avg", Tensor.fromStorage(Storage.of(m), new int[]{m.length}));
        return Snapshot.fromTensors(e);
    }

    @Test
    void theGlobalBatchIsSplitOverTheWorkersAndAutoLocalStepsFollowTheWorkerBatch() {
        assertEquals(128, TrainConfig.workerBatchSize(128, 1));
        assertEquals(16, TrainConfig.workerBatchSize(128, 8));
        assertEquals(43, TrainConfig.workerBatchSize(128, 3)); // rounded up
        assertEquals(1, TrainConfig.workerBatchSize(128, 200));
        assertEquals(0, TrainConfig.resolveLocalSteps(0, 1, 128)); // one worker: one pass per round
        assertEquals(16, TrainConfig.resolveLocalSteps(0, 2, 64));
        assertEquals(4, TrainConfig.resolveLocalSteps(0, 8, 16));
        assertEquals(4, TrainConfig.resolveLocalSteps(0, 32, 4));  // at least 4
        assertEquals(4, TrainConfig.resolveLocalSteps(0, 128, 1));
        assertEquals(16, TrainConfig.resolveLocalSteps(0, 2, 512)); // at most 16
        assertEquals(0, TrainConfig.resolveLocalSteps(-1, 8, 16)); // explicit one pass
        assertEquals(5, TrainConfig.resolveLocalSteps(5, 8, 16));
    }

    @Test
    void warmUpRaisesTheRateLinearlyOverItsEpochsUnderTheSchedule() {
        TrainConfig constant = new EmberEstimatorConfig(0.1, "constant", 4, 2.0).config();
        assertEquals(0.1 * 1 / 20, constant.learningRate(0, 10), 1e-15);
        assertEquals(0.1 * 10 / 20, constant.learningRate(9, 10), 1e-15);
        assertEquals(0.1, constant.learningRate(19, 10), 1e-15);
        assertEquals(0.1, constant.learningRate(25, 10), 1e-15);
        TrainConfig cosine = new EmberEstimatorConfig(0.1, "cosine", 4, 2.0).config();
        // Step 12 is in epoch 1 of 4: 0.1 * (1 + cos(pi / 4)) / 2, times 13 / 20 of the warm-up.
        assertEquals(0.1 * (1 + Math.sqrt(0.5)) / 2 * 13 / 20, cosine.learningRate(12, 10), 1e-15);
        TrainConfig none = new EmberEstimatorConfig(0.1, "cosine", 4, 0).config();
        assertEquals(none.learningRate(1), none.learningRate(12, 10), 0.0);
    }

    /** A TrainConfig from estimator params, as fit builds it (2 workers). */
    private record EmberEstimatorConfig(double lr, String schedule, int epochs, double warmup) {
        TrainConfig config() {
            EmberEstimator e = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(lr).setLrSchedule(schedule)
                    .setMaxEpochs(epochs).setWarmupEpochs(warmup);
            return TrainConfig.of(e, ModelSource.of(e.getModelSpec(), ""), 2, "test");
        }
    }

    @Test
    void outerNesterovMomentumStepsTheModelOverTwoRoundsAsWorkedOutByHand() {
        OuterUpdate outer = new OuterUpdate(0.5, 0.9, true);
        Snapshot x0 = snapshot(new double[]{1, 2}, new double[]{0, 0}, 0);
        // Round 1: d = (1, -1); m = d; x = x + 0.5 (0.9 m + d) = (1.95, 1.05).
        Snapshot x1 = outer.step(x0, snapshot(new double[]{2, 1}, new double[]{0.3, 0.4}, 3));
        assertArrayEquals(new double[]{1.95, 1.05}, x1.toTensors().get("model/w").toDoubleArray(), 1e-12);
        // The optimizer's state and integer buffers are averaged plainly: they pass through.
        assertArrayEquals(new double[]{0.3, 0.4}, x1.toTensors().get("optim/0/exp_avg").toDoubleArray(), 0.0);
        assertEquals(3L, x1.toTensors().get("model/n").toLongArray()[0]);
        // Round 2: d = (1, 0); m = 0.9 (1, -1) + d = (1.9, -0.9); x = (1.95 + 0.5 (1.71 + 1), 1.05 + 0.5 (-0.81)) = (3.305, 0.645).
        Snapshot x2 = outer.step(x1, snapshot(new double[]{2.95, 1.05}, new double[]{0, 0}, 6));
        assertArrayEquals(new double[]{3.305, 0.645}, x2.toTensors().get("model/w").toDoubleArray(), 1e-12);
    }

    private static Snapshot adamState(double w, Double m, Double v) {
        Map<String, Tensor> e = new LinkedHashMap<>();
        e.put("model/w", Tensor.scalar(w, DType.FLOAT64));
        if (m != null) e.put("optim/0/exp_avg", Tensor.scalar(m, DType.FLOAT64));
        if (v != null) e.put("optim/0/exp_avg_sq", Tensor.scalar(v, DType.FLOAT64));
        if (m != null) e.put("optim/0/step", Tensor.scalar(2, DType.FLOAT64));
        return Snapshot.fromTensors(e);
    }

    @Test
    void theAveragedSecondMomentKeepsOneWorkersShareOfItsNoiseWorkedOutByHand() {
        // 4 workers, 2 local steps, betas (0.9, 0.999). g = (0.2 - 0.81 * 0.1) / 0.19 = 0.626316;
        // v = 0.998001 * 0.01 + (0.03 - 0.00998001) / 4 + 0.001999 * 0.75 * g^2 = 0.0155731.
        SecondMoment fix = new SecondMoment(0.9, 0.999, 4);
        Snapshot corrected = fix.correct(adamState(1, 0.1, 0.01), adamState(1.5, 0.2, 0.03), 2);
        assertEquals(0.015573120498614952, corrected.toTensors().get("optim/0/exp_avg_sq").item(), 1e-15);
        assertEquals(0.2, corrected.toTensors().get("optim/0/exp_avg").item(), 0.0);
        assertEquals(1.5, corrected.toTensors().get("model/w").item(), 0.0);
        // The first round starts without optimizer state: m0 = v0 = 0, g = -0.05 / 0.19, v = 0.002 / 4 + 0.001999 * 0.75 * g^2.
        Snapshot first = fix.correct(adamState(1, null, null), adamState(1.5, -0.05, 0.002), 2);
        assertEquals(0.0006038261772853173, first.toTensors().get("optim/0/exp_avg_sq").item(), 1e-15);
        // One worker: nothing to correct.
        Snapshot averaged = adamState(1.5, 0.2, 0.03);
        assertSame(averaged, new SecondMoment(0.9, 0.999, 1).correct(adamState(1, 0.1, 0.01), averaged, 2));
    }

    @Test
    void heavyBallMomentumAndPlainAveraging() {
        Snapshot x0 = snapshot(new double[]{1, 2}, new double[]{0, 0}, 0), avg = snapshot(new double[]{2, 1}, new double[]{0, 0}, 1);
        // Heavy ball, round 1: m = d = (1, -1); x = x + 0.5 m.
        assertArrayEquals(new double[]{1.5, 1.5}, new OuterUpdate(0.5, 0.9, false).step(x0, avg).toTensors().get("model/w").toDoubleArray(), 1e-12);
        // lr 1, momentum 0: the average itself, untouched by arithmetic (x + (a - x) would round).
        assertSame(avg, new OuterUpdate(1, 0, true).step(x0, avg));
    }

    @Test
    void snapshotsTravelWithFloat32EntriesAsFloatsAndLoseNothing() throws Exception {
        Map<String, Tensor> e = new LinkedHashMap<>();
        e.put("model/w", Tensor.tensor(0.1, -3.5e-20, 7));                    // float32
        e.put("optim/0/step", Tensor.scalar(12.25, DType.FLOAT64));           // float64
        e.put("optim/0/exp_avg", Tensor.tensor(1.5, -2.0e-7, 3));             // float32 again: each kind keeps its place
        Snapshot s = Snapshot.fromTensors(e);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) { out.writeObject(s); }
        Snapshot back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) { back = (Snapshot) in.readObject(); }
        assertEquals(s.layout, back.layout);
        assertArrayEquals(s.values, back.values, 0.0);
        // The average of two float32 values is rounded to float32, as loading it into a float32 tensor would.
        RoundResult sum = RoundResult.sum(java.util.List.of(
                RoundResult.trained(0, 1, Snapshot.fromTensors(Map.of("model/w", Tensor.tensor(1.0))), 0, 0, 0, 1, "cpu"),
                RoundResult.trained(1, 2, Snapshot.fromTensors(Map.of("model/w", Tensor.tensor(0.1))), 0, 0, 0, 1, "cpu")));
        assertEquals((float) ((1 + 2 * (double) 0.1f) / 3), sum.average().values[0], 0.0);
    }

    @Test
    void moreThanEightPartitionsSumInTheFixedTreeThroughExecutorMemory() {
        // 20 partials of 64 values of mixed signs and magnitudes: their float sums depend on the order of addition.
        java.util.List<RoundResult> partials = new java.util.ArrayList<>();
        for (int p = 0; p < 20; p++) {
            java.util.Random random = new java.util.Random(p);
            double[] v = new double[64];
            for (int i = 0; i < v.length; i++) v[i] = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12));
            Snapshot s = Snapshot.fromTensors(Map.of("model/w", Tensor.fromStorage(Storage.of(v), new int[]{64})));
            partials.add(p == 5 ? RoundResult.idle(p, "cpu") : RoundResult.trained(p, 10 + p, s, 1, 1, 0, 1, "cpu"));
        }
        // The binary tree by hand: pairs, then pairs of pairs, ...; [0, 16) plus the last range [16, 20).
        java.util.List<RoundResult> level = partials;
        for (int size = 1; size < 16; size *= 2) {
            java.util.List<RoundResult> next = new java.util.ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) next.add(i + 1 < level.size() ? RoundResult.sum(level.subList(i, i + 2)) : level.get(i));
            level = next;
        }
        RoundResult expected = RoundResult.sum(java.util.List.of(level.get(0), level.get(1)));
        assertEquals(16, level.get(0).count);
        assertEquals(4, level.get(1).count);
        // The order matters for these values: one flat left-to-right sum gives other bits, so the check below can fail.
        assertTrue(!java.util.Arrays.equals(RoundResult.sum(partials).weightedSums(), expected.weightedSums()));
        org.apache.spark.api.java.JavaSparkContext jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        RoundResult actual = TreeSum.sum(jsc.parallelize(partials, 20).rdd(), 20);
        assertArrayEquals(expected.weightedSums(), actual.weightedSums(), 0.0);
        assertEquals(20, actual.count);
        assertEquals(expected.weight, actual.weight, 0.0);
    }

    @Test
    void aResumedFitWithOuterMomentumEndsWhereAnUninterruptedOneDoes(@TempDir Path dir) {
        Dataset<Row> data = TestSpark.blobs(240, 5, 3);
        java.util.function.BiFunction<Path, Integer, EmberEstimator> estimator = (d, epochs) -> new EmberEstimator()
                .setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(48).setSeed(3).setMaxEpochs(epochs)
                .setLocalSteps(-1).setOuterMomentum(0.5).setOuterLearningRate(0.8).setWarmupEpochs(1)
                .setCheckpointDir(d == null ? "" : d.toString());
        estimator.apply(dir, 2).fit(data);
        EmberModel resumed = estimator.apply(dir, 4).fit(data);
        assertEquals(3, resumed.summary().rounds().get(0).round());
        EmberModel straight = estimator.apply(null, 4).fit(data);
        Map<String, Tensor> a = straight.module().stateDict(), b = resumed.module().stateDict();
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
        assertTrue(straight.summary().accuracyHistory()[3] > 0.8, java.util.Arrays.toString(straight.summary().accuracyHistory()));
    }

    @Test
    void crossValidatorSearchesOverTheOuterLearningRate() {
        EmberEstimator e = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.02).setBatchSize(32).setMaxEpochs(2)
                .setLocalSteps(-1).setSeed(2);
        org.apache.spark.ml.param.ParamMap[] grid = new org.apache.spark.ml.tuning.ParamGridBuilder()
                .addGrid(e.outerLearningRate(), new double[]{1e-6, 1.0}).build();
        org.apache.spark.ml.tuning.CrossValidatorModel cv = new org.apache.spark.ml.tuning.CrossValidator().setEstimator(e).setEstimatorParamMaps(grid)
                .setEvaluator(new org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator().setMetricName("accuracy"))
                .setNumFolds(2).setSeed(1).fit(TestSpark.blobs(300, 17, 2));
        double[] metrics = cv.avgMetrics();
        // An outer step of 1e-6 keeps the random initial weights; 1 (plain averaging) learns the blobs.
        assertTrue(metrics[1] > 0.9 && metrics[1] > metrics[0] + 0.2, java.util.Arrays.toString(metrics));
        assertEquals(1.0, ((EmberModel) cv.bestModel()).getOuterLearningRate());
    }

    @Test
    void tensorsCachedOnDiskTrainTheSameModelAndTheSummarySaysWhereTheyWere() {
        Dataset<Row> data = TestSpark.blobs(300, 9, 3);
        EmberEstimator e = new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(48).setSeed(4)
                .setMaxEpochs(2);
        EmberModel inMemory = e.fit(data), onDisk;
        org.apache.spark.storage.StorageLevel saved = EmberEstimator.cacheLevel;
        try {
            EmberEstimator.cacheLevel = org.apache.spark.storage.StorageLevel.DISK_ONLY();
            onDisk = e.fit(data);
        } finally {
            EmberEstimator.cacheLevel = saved;
        }
        assertTrue(inMemory.summary().cachedInMemoryBytes() > 300 * 4 * 4 && inMemory.summary().cachedOnDiskBytes() == 0);
        assertTrue(onDisk.summary().cachedOnDiskBytes() > 0 && onDisk.summary().cachedInMemoryBytes() == 0);
        Map<String, Tensor> a = inMemory.module().stateDict(), b = onDisk.module().stateDict();
        a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
    }

    @Test
    void theNewParamsPersistWithTheEstimator(@TempDir Path dir) throws Exception {
        EmberEstimator e = new EmberEstimator().setOuterMomentum(0.7).setOuterLearningRate(0.9).setOuterNesterov(false).setWarmupEpochs(1.5)
                .setLocalSteps(-1);
        String path = dir.resolve("estimator").toString();
        e.write().save(path);
        EmberEstimator back = EmberEstimator.load(path);
        assertEquals(0.7, back.getOuterMomentum());
        assertEquals(0.9, back.getOuterLearningRate());
        assertEquals(false, back.getOuterNesterov());
        assertEquals(1.5, back.getWarmupEpochs());
        assertEquals(-1, back.getLocalSteps());
    }
}
