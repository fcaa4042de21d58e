package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Generator;
import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.spec.ModelSpec;
import dev.ember.engine.nn.F;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.SGD;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

/** Same seed, data and partitioning give the same model bit for bit; one worker trains exactly like the engine. */
@Timeout(value = 3, unit = TimeUnit.MINUTES) // each test on the shared local Spark
class DeterminismTest {
    private static EmberEstimator estimator() {
        return new EmberEstimator().setModelSpec(TestSpark.mlpSpec(4, 3)).setLearningRate(0.01).setBatchSize(32).setSeed(99);
    }

    private static void assertSameWeights(EmberModel a, EmberModel b) {
        Map<String, Tensor> wa = a.module().stateDict(), wb = b.module().stateDict();
        assertEquals(wa.keySet(), wb.keySet());
        wa.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), wb.get(k).toFloatArray(), 0f, k));
    }

    @Test
    void unevenPartitionsTrainReproduciblyAndLoseNoRows() {
        // Partition sizes 3, 500 and 0: a tiny one, a huge one, an empty one.
        List<Row> rows = TestSpark.blobRows(503, 21);
        Dataset<Row> data = TestSpark.frame(rows.subList(0, 3), 1)
                .union(TestSpark.frame(rows.subList(3, 503), 1))
                .union(TestSpark.frame(List.of(), 1));
        assertEquals(3, data.rdd().getNumPartitions());
        // 96 over 3 workers: 32 per worker; one pass over each worker's rows per round.
        EmberModel first = estimator().setBatchSize(96).setLocalSteps(-1).setMaxEpochs(3).fit(data);
        EmberModel second = estimator().setBatchSize(96).setLocalSteps(-1).setMaxEpochs(3).fit(data);
        assertSameWeights(first, second);
        // One pass per round: every row of every partition, the 500-row partition's last short batch of 20 included.
        for (TrainingSummary.Round r : first.summary().rounds()) {
            assertEquals(503, r.samples());
            assertEquals(1 + 16, r.steps());
        }
        assertTrue(first.summary().accuracyHistory()[2] > 0.9);
    }

    @Test
    void manyPartitionsSumInAFixedTreeAndGiveTheSameModel() {
        // 11 partitions: more than TreeSum.FAN_IN, so a level of sums runs on the executors.
        Dataset<Row> data = TestSpark.blobs(440, 8, 11);
        EmberEstimator e = estimator().setMaxEpochs(2).setLocalSteps(1);
        assertSameWeights(e.fit(data), e.fit(data));
    }

    @Test
    void oneWorkerEqualsTheEnginesOwnTrainingLoop() {
        List<Row> rows = TestSpark.blobRows(600, 31);
        // localSteps 7 does not divide an epoch of 19 steps: rounds stop mid-epoch and must continue exactly there.
        EmberModel fitted = estimator().setSeed(1234).setMaxEpochs(3).setLocalSteps(7).fit(TestSpark.frame(rows, 1));
        assertEquals(9, fitted.summary().totalRounds());
        // Rounds after the first reuse the model and optimizer the executor kept, and still match the engine bit for bit.
        for (TrainingSummary.Round r : fitted.summary().rounds().subList(1, 9)) assertEquals(1, r.costs().reusedReplicas(), "round " + r.round());
        assertSameState(engineLoop(rows, 1234, 3, false, params -> Adam.builder(params).lr(0.01).build()), fitted);
    }

    @Test
    void cosineScheduleAnnealsOncePerEpochLikeCosineAnnealingLR() {
        List<Row> rows = TestSpark.blobRows(300, 32);
        EmberModel fitted = estimator().setOptimizer("sgd").setLearningRate(0.1).setLrSchedule("cosine").setSeed(77).setMaxEpochs(4)
                .fit(TestSpark.frame(rows, 1));
        assertSameState(engineLoop(rows, 77, 4, true, params -> SGD.builder(params).lr(0.1).build()), fitted);
    }

    @Test
    void withoutAveragedOptimizerStateEachRoundStartsAFreshOptimizer() {
        List<Row> rows = TestSpark.blobRows(400, 33);
        // 13 steps an epoch, rounds of 5: the optimizer restarts at steps 0, 5, 10, 15, ... (mid-epoch too).
        EmberModel fitted = estimator().setSeed(55).setMaxEpochs(2).setLocalSteps(5).setAverageOptimizerState(false).fit(TestSpark.frame(rows, 1));
        assertSameState(engineLoop(rows, 55, 2, false, 5, params -> Adam.builder(params).lr(0.01).build()), fitted);
    }

    private static Module engineLoop(List<Row> rows, long seed, int epochs, boolean cosine, java.util.function.Function<List<dev.ember.engine.nn.Parameter>, Optimizer> optimizer) {
        return engineLoop(rows, seed, epochs, cosine, 0, optimizer);
    }

    /**
     * The engine's own loop over the documented batches: a DataLoader with the partition's shuffle seed; with
     * {@code cosine}, epoch e of E at lr 0.1 * (1 + cos(pi e / E)) / 2 (torch's CosineAnnealingLR, closed form).
     */
    private static Module engineLoop(List<Row> rows, long seed, int epochs, boolean cosine, int restartEvery,
                                     java.util.function.Function<List<dev.ember.engine.nn.Parameter>, Optimizer> optimizer) {
        int n = rows.size();
        float[] x = new float[n * 4];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            double[] v = ((Vector) rows.get(i).get(1)).toArray();
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) v[j];
            y[i] = (long) rows.get(i).getDouble(0);
        }
        Module model;
        try (var scope = Generator.useAsDefault(new Generator(seed))) {
            model = ModelSpec.parse(TestSpark.mlpSpec(4, 3)).build();
        }
        Optimizer opt = optimizer.apply(model.parameters());
        DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(Tensor.fromStorage(Storage.of(x), new int[]{n, 4}),
                Tensor.fromStorage(Storage.of(y), new int[]{n}))).batchSize(32).shuffle(true).seed(TrainConfig.shuffleSeed(seed, 0)).build();
        int step = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (cosine) for (var g : opt.paramGroups()) g.set("lr", 0.1 * (1 + Math.cos(Math.PI * epoch / epochs)) / 2);
            for (Tensor[] b : loader) {
                if (restartEvery > 0 && step > 0 && step % restartEvery == 0) opt = optimizer.apply(model.parameters());
                step++;
                opt.zeroGrad();
                F.crossEntropy(model.forward(b[0]), b[1]).backward();
                opt.step();
            }
        }
        return model;
    }

    private static void assertSameState(Module expectedModel, EmberModel fitted) {
        Map<String, Tensor> expected = expectedModel.stateDict(), actual = fitted.module().stateDict();
        List<String> keys = new ArrayList<>(expected.keySet());
        assertEquals(keys, new ArrayList<>(actual.keySet()));
        for (String k : keys) assertArrayEquals(expected.get(k).toFloatArray(), actual.get(k).toFloatArray(), 0f, k);
    }

    @Test
    void treeSumIsTheSameWhateverOrderPartialsArriveIn() {
        List<RoundResult> partials = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            double[] v = {0.1 * (p + 1), 1e16 * (p % 2 == 0 ? 1 : -1), 1.0 / (p + 3)};
            Snapshot s = Snapshot.fromTensors(Map.of("model/w", Tensor.fromStorage(Storage.of(v), new int[]{3})));
            partials.add(p == 2 ? RoundResult.idle(p, "cpu") : RoundResult.trained(p, 10 + p, s, 1, 1, 0, 1, "cpu"));
        }
        RoundResult forward = TreeSum.inOrder(partials);
        List<RoundResult> reversed = new ArrayList<>(partials);
        java.util.Collections.reverse(reversed);
        assertArrayEquals(forward.weightedSums(), TreeSum.inOrder(reversed).weightedSums(), 0.0);
        // Independent check of the first entry: sum of weight * value over the partitions that trained, divided by their weight.
        double num = 10 * 0.1 + 11 * 0.2 + 13 * 0.4 + 14 * 0.5, den = 10 + 11 + 13 + 14;
        assertEquals(num / den, forward.average().values[0], 1e-15);
        assertEquals(den, forward.weight, 0.0);
    }
}
