package dev.ember.spark;

import dev.ember.engine.Device;
import dev.ember.engine.Generator;
import dev.ember.engine.MemoryScope;
import dev.ember.engine.Tensor;
import dev.ember.engine.Threads;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.ParamGroup;
import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;

/**
 * The executor side of one round: load the broadcast state into the partition's model and optimizer
 * (kept from the last round when the task runs where it ran before, else built from the spec), take this
 * round's optimizer steps over the cached partition, and send back the new state weighted by the
 * partition's rows.
 *
 * <p>Partition p's batches are those of an engine {@link DataLoader} over its rows with batch size
 * {@link TrainConfig#workerBatchSize()} ({@code batchSize} split over the workers), shuffling, and seed {@link TrainConfig#shuffleSeed}(seed, p); global step s is
 * batch {@code s % stepsPerEpoch} of epoch {@code s / stepsPerEpoch}. So one worker reproduces the
 * engine's own training loop over that loader exactly.
 */
final class RoundTrainer {
    private RoundTrainer() {}

    /** What every task of a round receives (broadcast). */
    record RoundInput(TrainConfig config, int round, Snapshot state) implements Serializable {}

    /** A round's function over the partitions: a named class, not a lambda, so Spark's ClosureCleaner does not parse it (see {@link Jobs}). */
    static final class Task extends Jobs.PartitionFunction<PartitionData, RoundResult> {
        private static final long serialVersionUID = 1L;
        private final org.apache.spark.broadcast.Broadcast<RoundInput> input;

        Task(org.apache.spark.broadcast.Broadcast<RoundInput> input) { this.input = input; }

        /**
         * The task's partitions (one, or several in turn), summed as far as {@link TreeSum}'s tree allows: the driver
         * then fetches a few sums rather than a state per partition, and the bits do not depend on the grouping.
         */
        @Override Iterator<RoundResult> call(Iterator<PartitionData> group) {
            RoundInput in = input.value();
            String fit = in.config().fitId();
            TreeSum.Nodes nodes = new TreeSum.Nodes();
            group.forEachRemaining(d -> {
                RoundResult left = nodes.takeLeftLeaf(d.partition()); // d's state adds into its left sibling's array
                nodes.take(train(d, in, left != null ? null : spare(nodes, fit), left)); // each state is the task's own
            });
            Spares.keep(fit, nodes.takeSpares());
            return nodes.list().iterator();
        }
    }

    /** A state-sized array no one reads any more: one this task's sums let go, else one its executor kept, else null. */
    private static double[] spare(TreeSum.Nodes nodes, String fit) {
        double[] a = nodes.spare();
        return a != null ? a : Spares.take(fit);
    }

    /**
     * State-sized arrays that a task's sums have read and let go, kept for the executor's next tasks of the same fit: a
     * partition's state is written into one rather than into a new multi-MB array, which G1 allocates as humongous
     * (each such allocation may start a collection). The sum a task sends is never kept here: Spark serializes it later.
     */
    static final class Spares {
        private static final int MAX = 4;
        private static final java.util.Deque<double[]> ARRAYS = new java.util.ArrayDeque<>();
        private static String fit;

        private Spares() {}

        /** A spare array of fit {@code fitId}, or null. */
        static synchronized double[] take(String fitId) { return fitId.equals(fit) ? ARRAYS.pollLast() : null; }

        /** Keeps up to {@value #MAX} arrays, of one fit only: another fit's are dropped. */
        static synchronized void keep(String fitId, java.util.List<double[]> arrays) {
            if (!fitId.equals(fit)) forget(fit);
            fit = fitId;
            for (double[] a : arrays) if (ARRAYS.size() < MAX) ARRAYS.addLast(a);
        }

        static synchronized void forget(String fitId) {
            if (fitId != null && fitId.equals(fit)) {
                ARRAYS.clear();
                fit = null;
            }
        }
    }

    static RoundResult train(PartitionData data, RoundInput in) { return train(data, in, null, null); }

    /**
     * One partition's round; its state is written into {@code reuse} when that is a state-sized array no one else reads, or
     * added into {@code left}'s when that is its left sibling's own result ({@link TreeSum.Nodes#takeLeftLeaf}): then the
     * result is the pair's node.
     */
    static RoundResult train(PartitionData data, RoundInput in, double[] reuse, RoundResult left) {
        TrainConfig config = in.config();
        String device = TaskDevice.choose(config.device());
        long[] steps = config.stepsOfRound(in.round(), data.stepsPerEpoch(config.workerBatchSize()));
        if (data.rows() == 0 || steps[0] >= steps[1]) {
            RoundResult idle = RoundResult.idle(data.partition(), device);
            return left == null ? idle : RoundResult.sum(List.of(left, idle), true);
        }
        TaskContext tc = TaskContext.get();
        try (var threads = Threads.useThreads(tc != null ? tc.cpus() : Threads.getNumThreads())) {
            return trainSteps(data, in, steps, device, reuse, left);
        }
    }

    private static RoundResult trainSteps(PartitionData data, RoundInput in, long[] steps, String device, double[] reuse, RoundResult left) {
        long t0 = System.nanoTime();
        TrainConfig config = in.config();
        Replica replica = Replica.take(config, data, steps[0]);
        Device on = TaskDevice.device(device);
        boolean reused = replica.model != null && replica.model.device().equals(on);
        if (!reused) {
            // Built on the cpu from the seed (the same weights everywhere), then moved; the optimizer comes after.
            replica.model = config.source().build(config.seed()).to(on);
            replica.optimizer = config.newOptimizer(replica.model.parameters());
        } else if (!config.averageOptimizerState()) {
            replica.optimizer = config.newOptimizer(replica.model.parameters()); // restarts every round, as documented
        }
        Module model = replica.model;
        Optimizer optimizer = replica.optimizer;
        in.state().loadSharedInto(model, config.averageOptimizerState() ? optimizer : null);
        model.train();
        long t1 = System.nanoTime();
        double lossSum = 0;
        long samples = 0, correct = 0;
        boolean classification = config.objective().classification();
        try (var scope = Generator.useAsDefault(new Generator(TrainConfig.roundSeed(config.seed(), data.partition(), in.round())));
             MemoryScope memory = MemoryScope.open("round " + in.round() + " of partition " + data.partition())) {
            int perEpoch = data.stepsPerEpoch(config.workerBatchSize());
            for (long s = steps[0]; s < steps[1]; s++) {
                double lr = config.learningRate(s, perEpoch);
                for (ParamGroup group : optimizer.paramGroups()) group.set("lr", lr);
                Tensor[] cached = replica.next();
                Tensor[] batch = {cached[0].to(on), cached[1].to(on)};
                optimizer.zeroGrad();
                Tensor output = model.forward(batch[0]);
                Tensor loss = config.objective().loss(output, batch[1]);
                loss.backward();
                optimizer.step();
                int n = batch[0].size(0);
                lossSum += loss.item() * n;
                samples += n;
                if (classification) correct += config.objective().correct(output.detach(), batch[1]);
                memory.collect(model, optimizer);  // a step's device memory goes back as it ends
            }
        }
        long t2 = System.nanoTime();
        Optimizer sent = config.averageOptimizerState() ? optimizer : null;
        Snapshot state = null;
        if (left != null) Snapshot.addWeighted(model, sent, left.layout, left.values(), left.weight, data.rows());
        else state = Snapshot.of(model, sent, reuse);
        replica.release(config, data);
        long t3 = System.nanoTime();
        double trainSeconds = (t2 - t1) / 1e9, setupSeconds = (t1 - t0 + t3 - t2) / 1e9;
        String described = TaskDevice.describe(device);
        long taken = steps[1] - steps[0];
        return left != null ? RoundResult.pairedWith(left, data.partition(), data.rows(), lossSum, samples, correct, taken, described, trainSeconds, setupSeconds, reused)
                : RoundResult.trained(data.partition(), data.rows(), state, lossSum, samples, correct, taken, described, trainSeconds, setupSeconds, reused);
    }

    /**
     * A partition's model, optimizer and position in its batch sequence, kept in the executor between
     * rounds: the next round loads the averaged state into them instead of building a model from its
     * spec, and continues the batches where this round stopped. When the task lands elsewhere (a retry,
     * a lost executor) all of it is rebuilt: the model from the spec, its state from the broadcast, the
     * position by replaying the shuffle seed. Either way every value the round starts from is the
     * broadcast's, so the result is the same bit for bit.
     *
     * <p>The batches are those of an engine {@link DataLoader} over the partition with its shuffle seed
     * (a test checks it): each epoch's order is the seed's next permutation, cut into batches of
     * {@code workerBatchSize}, the last one short. The replica keeps only that order, not the rows, so a
     * partition the block manager moved to disk is not held in memory between rounds.
     */
    static final class Replica {
        private static final int MAX_CACHED = 256;
        private static final Map<String, Replica> CACHE = new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<String, Replica> eldest) { return size() > MAX_CACHED; }
        };

        private final Generator shuffle;
        private final int rows, batchSize;
        private int[] order;
        private int at;
        private long nextStep;
        private PartitionData data;
        Module model;
        Optimizer optimizer;

        private Replica(long seed, int rows, int batchSize) {
            this.shuffle = new Generator(seed);
            this.rows = rows;
            this.batchSize = batchSize;
        }

        /** The partition's replica positioned at global step {@code step}: the executor's own, or a new one without model. */
        static Replica take(TrainConfig config, PartitionData data, long step) {
            String key = config.fitId() + "/" + data.partition();
            Replica r;
            synchronized (CACHE) {
                // Taken out while in use: a second attempt of the task (speculation) rebuilds its own.
                r = CACHE.remove(key);
            }
            if (r == null || r.nextStep != step) {
                r = new Replica(TrainConfig.shuffleSeed(config.seed(), data.partition()), data.rows(), config.workerBatchSize());
                int perEpoch = data.stepsPerEpoch(config.workerBatchSize());
                // Epochs before this one only advance the shuffle; within this one, skipping a step needs no rows.
                for (long e = 0; e < step / perEpoch; e++) r.shuffle.permutation(r.rows);
                if (step % perEpoch != 0) {
                    r.order = r.shuffle.permutation(r.rows);
                    r.at = (int) (step % perEpoch) * r.batchSize;
                }
                r.nextStep = step;
            }
            r.data = data;
            return r;
        }

        /** Hands the replica back for the partition's next round, without its rows. */
        void release(TrainConfig config, PartitionData data) {
            this.data = null;
            synchronized (CACHE) {
                CACHE.put(config.fitId() + "/" + data.partition(), this);
            }
        }

        /** Drops every replica of a finished fit, and its spare arrays. */
        static void forget(String fitId) {
            synchronized (CACHE) {
                CACHE.keySet().removeIf(k -> k.startsWith(fitId + "/"));
            }
            Spares.forget(fitId);
        }

        /** The next batch: {@code {features, labels}} rows of this round's data. */
        Tensor[] next() {
            if (order == null || at >= rows) {
                order = shuffle.permutation(rows);
                at = 0;
            }
            int len = Math.min(batchSize, rows - at);
            int[] rowIds = java.util.Arrays.copyOfRange(order, at, at + len);
            at += len;
            nextStep++;
            return data.batch(rowIds); // from memory or local files alike (CacheStorage)
        }
    }
}
