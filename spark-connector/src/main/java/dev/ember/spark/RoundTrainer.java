package dev.ember.spark;

import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.backend.cpu.Parallel;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.ParamGroup;
import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.TaskContext;

/**
 * The executor side of one round: load the broadcast state into a fresh model and optimizer, take this
 * round's optimizer steps over the cached partition, and send back the new state weighted by the
 * partition's rows.
 *
 * <p>Partition p's batches are those of an engine {@link DataLoader} over its rows with batch size
 * {@code batchSize}, shuffling, and seed {@link TrainConfig#shuffleSeed}(seed, p); global step s is
 * batch {@code s % stepsPerEpoch} of epoch {@code s / stepsPerEpoch}. So one worker reproduces the
 * engine's own training loop over that loader exactly.
 */
final class RoundTrainer {
    private RoundTrainer() {}

    /** What every task of a round receives (broadcast). */
    record RoundInput(TrainConfig config, int round, Snapshot state) implements Serializable {}

    static Partial train(PartitionData data, RoundInput in) {
        TrainConfig config = in.config();
        String device = TaskDevice.choose(config.device());
        long[] steps = config.stepsOfRound(in.round(), data.stepsPerEpoch(config.batchSize()));
        if (data.rows() == 0 || steps[0] >= steps[1]) return Partial.idle(data.partition(), device);
        TaskContext tc = TaskContext.get();
        try (var threads = Parallel.useThreads(tc != null ? tc.cpus() : Parallel.numThreads())) {
            return trainSteps(data, in, steps, device);
        }
    }

    private static Partial trainSteps(PartitionData data, RoundInput in, long[] steps, String device) {
        TrainConfig config = in.config();
        Module model = config.source().build(config.seed());
        Optimizer optimizer = config.newOptimizer(model.parameters());
        in.state().loadInto(model, config.averageOptimizerState() ? optimizer : null);
        model.train();
        Cursor cursor = Cursor.at(config, data, steps[0]);
        double lossSum = 0;
        long samples = 0, correct = 0;
        boolean classification = config.objective().classification();
        try (var scope = Generator.useAsDefault(new Generator(TrainConfig.roundSeed(config.seed(), data.partition(), in.round())))) {
            int perEpoch = data.stepsPerEpoch(config.batchSize());
            for (long s = steps[0]; s < steps[1]; s++) {
                double lr = config.learningRate(s / perEpoch);
                for (ParamGroup group : optimizer.paramGroups()) group.set("lr", lr);
                Tensor[] batch = cursor.next();
                optimizer.zeroGrad();
                Tensor output = model.forward(batch[0]);
                Tensor loss = config.objective().loss(output, batch[1]);
                loss.backward();
                optimizer.step();
                int n = batch[0].size(0);
                lossSum += loss.item() * n;
                samples += n;
                if (classification) correct += config.objective().correct(output.detach(), batch[1]);
            }
        }
        cursor.release(config, data);
        Snapshot state = Snapshot.of(model, config.averageOptimizerState() ? optimizer : null);
        return Partial.trained(data.partition(), data.rows(), state, lossSum, samples, correct, steps[1] - steps[0], device);
    }

    /**
     * A partition's position in its batch sequence, kept between rounds in the executor so a round
     * continues where the last one stopped. When the task lands elsewhere (a retry, a lost executor)
     * the position is rebuilt from the seed: the batches are the same either way.
     */
    static final class Cursor {
        private static final int MAX_CACHED = 64;
        private static final Map<String, Cursor> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<String, Cursor> eldest) { return size() > MAX_CACHED; }
        };

        private final DataLoader<Tensor[]> loader;
        private Iterator<Tensor[]> epoch;
        private long nextStep;

        private Cursor(DataLoader<Tensor[]> loader) { this.loader = loader; }

        static Cursor at(TrainConfig config, PartitionData data, long step) {
            String key = config.fitId() + "/" + data.partition();
            synchronized (CACHE) {
                // Taken out while in use: a second attempt of the task (speculation) rebuilds its own.
                Cursor c = CACHE.remove(key);
                if (c != null && c.nextStep == step) return c;
            }
            DataLoader<Tensor[]> loader = DataLoader.builder(new TensorDataset(data.featureTensor(), data.labelTensor()))
                    .batchSize(config.batchSize()).shuffle(true).seed(TrainConfig.shuffleSeed(config.seed(), data.partition())).build();
            Cursor c = new Cursor(loader);
            int perEpoch = loader.size();
            // Each iterator() draws the next epoch's order; skip whole epochs without building their batches.
            for (long e = 0; e < step / perEpoch; e++) loader.iterator();
            c.nextStep = step - step % perEpoch;
            while (c.nextStep < step) c.next();
            return c;
        }

        /** Hands the cursor back for the partition's next round. */
        void release(TrainConfig config, PartitionData data) {
            synchronized (CACHE) {
                CACHE.put(config.fitId() + "/" + data.partition(), this);
            }
        }

        Tensor[] next() {
            if (epoch == null || !epoch.hasNext()) epoch = loader.iterator();
            nextStep++;
            return epoch.next();
        }
    }
}
