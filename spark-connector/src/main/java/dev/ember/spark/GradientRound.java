package dev.ember.spark;

import dev.ember.engine.Device;
import dev.ember.engine.Generator;
import dev.ember.engine.MemoryScope;
import dev.ember.engine.Tensor;
import dev.ember.engine.Threads;
import dev.ember.engine.nn.Module;
import dev.ember.engine.nn.Parameter;
import dev.ember.engine.optim.Optimizer;
import dev.ember.engine.optim.ParamGroup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import scala.Option;

/**
 * Synchronous data-parallel rounds ({@code averaging = "gradients"}): every round is ONE optimizer step. Each worker
 * takes its next {@code batchSize / W} rows, computes the gradient of their mean loss at the broadcast weights, and
 * sends it weighted by its rows up {@link TreeSum}'s tree; the driver divides by the rows, so it holds the gradient of
 * the mean loss over the union of the workers' batches, and its optimizer (whose state never leaves the driver) takes
 * the step. That is one worker's training with batch {@code batchSize}, up to the rounding of the sum.
 *
 * <p>Only weights go down and only gradients come up, and since every partition of a round starts from the same
 * weights, a task loads them once into one model and runs all its partitions through it, a block of adjacent
 * partitions at a time ({@link #blockSize}).
 */
final class GradientRound {
    private GradientRound() {}

    /** Rows a block's forward and backward take at least, when partitions are many and their batches small. */
    static final int MIN_BLOCK_ROWS = 16;

    /**
     * Partitions per block: the fewest, a power of two, whose batches give {@value #MIN_BLOCK_ROWS} rows. A block is
     * the unit of compute: its partitions' batches, concatenated in partition order, take one forward and backward,
     * since a 1-row pass costs about as much as a 16-row one. It depends on the partitions and batch size only, never
     * on the task slots, so the bits do not either; a power of two makes each block a node of {@link TreeSum}'s tree.
     */
    static int blockSize(int partitions, int workerBatch) {
        int block = 1;
        while (block < partitions && (long) block * workerBatch < MIN_BLOCK_ROWS) block *= 2;
        return block;
    }

    /** The fit's task groups: the blocks go to one task per task slot, in runs of adjacent blocks (built once a fit, see {@link #run}). */
    static RDD<PartitionData> tasks(JavaRDD<PartitionData> data, TrainConfig config, int partitions, int slots) {
        int block = blockSize(partitions, config.workerBatchSize());
        return data.rdd().coalesce(slots, false, scala.Option.apply(new BlockGroups(block)), null);
    }

    /**
     * The round over all partitions, in the groups of {@link #tasks}: each task sends its blocks' gradients summed into nodes of
     * the tree; the driver sums the nodes with {@link TreeSum#inOrder}.
     */
    static RoundResult run(RDD<PartitionData> tasks, Broadcast<RoundTrainer.RoundInput> input, int partitions) {
        int block = blockSize(partitions, input.value().config().workerBatchSize());
        return TreeSum.takeInOrder(Jobs.collectNew(Jobs.mapPartitions(tasks, new Task(input, block, partitions))));
    }

    /** A round's function over a task's blocks (a named class, see {@link Jobs}). */
    static final class Task extends Jobs.PartitionFunction<PartitionData, RoundResult> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<RoundTrainer.RoundInput> input;
        private final int block, partitions;

        Task(Broadcast<RoundTrainer.RoundInput> input, int block, int partitions) {
            this.input = input;
            this.block = block;
            this.partitions = partitions;
        }

        @Override Iterator<RoundResult> call(Iterator<PartitionData> group) {
            RoundTrainer.RoundInput in = input.value();
            TrainConfig config = in.config();
            String device = TaskDevice.choose(config.device());
            TaskContext tc = TaskContext.get();
            TreeSum.Nodes nodes = new TreeSum.Nodes();
            List<PartitionData> blockParts = new ArrayList<>();
            Module model = null;
            try (var threads = Threads.useThreads(tc != null ? tc.cpus() : Threads.getNumThreads())) {
                while (group.hasNext()) {
                    PartitionData d = group.next();
                    blockParts.add(d);
                    if ((d.partition() + 1) % block != 0 && d.partition() + 1 != partitions) continue;
                    long t0 = System.nanoTime();
                    if (model == null) { // loaded once, then every block of the task runs through it
                        model = Models.take(config, TaskDevice.device(device));
                        in.state().loadSharedInto(model, null); // converted once per executor, as RoundTrainer does
                        model.train();
                    }
                    double load = (System.nanoTime() - t0) / 1e9;
                    for (RoundResult r : gradient(model, blockParts, in, device, load)) nodes.take(r);
                    blockParts.clear();
                }
            } finally {
                if (model != null) Models.give(config, model);
            }
            return nodes.list().iterator();
        }
    }

    /**
     * The gradient of one block (adjacent partitions) at the round's step: their batches in partition order, one forward
     * and backward of the mean loss, weighted by the rows. Returned as one result per partition, left to right: the
     * block's gradient with the first partition that trained, the others adding only their statistics.
     */
    static List<RoundResult> gradient(Module model, List<PartitionData> block, RoundTrainer.RoundInput in, String device, double loadSeconds) {
        long t0 = System.nanoTime();
        TrainConfig config = in.config();
        List<Tensor> features = new ArrayList<>(), labels = new ArrayList<>();
        int first = -1;
        for (PartitionData d : block) {
            long[] steps = config.stepsOfRound(in.round(), d.stepsPerEpoch(config.workerBatchSize()));
            if (d.rows() == 0 || steps[0] >= steps[1]) continue;
            RoundTrainer.Replica position = RoundTrainer.Replica.take(config, d, steps[0]);
            Tensor[] rows = position.next();
            position.release(config, d);
            features.add(rows[0]);
            labels.add(rows[1]);
            if (first < 0) first = d.partition();
        }
        List<RoundResult> out = new ArrayList<>();
        RoundResult trained = first < 0 ? null : blockGradient(model, features, labels, in, first, device, t0, loadSeconds);
        for (PartitionData d : block) out.add(d.partition() == first ? trained : RoundResult.idle(d.partition(), device));
        return out;
    }

    private static RoundResult blockGradient(Module model, List<Tensor> features, List<Tensor> labels, RoundTrainer.RoundInput in, int first,
                                             String device, long t0, double loadSeconds) {
        TrainConfig config = in.config();
        Device on = model.device();
        Tensor x = (features.size() == 1 ? features.get(0) : Tensor.cat(features.toArray(Tensor[]::new), 0)).to(on);
        Tensor y = (labels.size() == 1 ? labels.get(0) : Tensor.cat(labels.toArray(Tensor[]::new), 0)).to(on);
        int n = x.size(0);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        try (var scope = Generator.useAsDefault(new Generator(TrainConfig.roundSeed(config.seed(), first, in.round())));
             MemoryScope memory = MemoryScope.open("gradient of round " + in.round() + " from partition " + first)) {
            model.zeroGrad();
            Tensor output = model.forward(x);
            Tensor loss = config.objective().loss(output, y);
            loss.backward();
            long correct = config.objective().classification() ? config.objective().correct(output.detach(), y) : 0;
            model.namedParameters().forEach((name, p) -> grads.put(Snapshot.MODEL + name,
                    p.grad() == null ? Tensor.zeros(p.shape(), p.dtype()) : p.grad().to(Device.CPU)));
            Snapshot gradient = Snapshot.fromTensors(grads);
            double lossSum = loss.item() * n;
            model.zeroGrad();
            memory.collect(model);
            return RoundResult.trained(first, n, gradient, lossSum, n, correct, 1, TaskDevice.describe(device),
                    (System.nanoTime() - t0) / 1e9, loadSeconds, false);
        }
    }

    /** Groups the blocks of {@code block} adjacent partitions into about {@code maxPartitions} runs of adjacent blocks. */
    static final class BlockGroups implements PartitionCoalescer, java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final int block;

        BlockGroups(int block) { this.block = block; }

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            int blocks = (parts.length + block - 1) / block, n = Math.max(1, Math.min(maxPartitions, blocks));
            PartitionGroup[] groups = new PartitionGroup[n];
            String[] where = TreeSum.locations(parent);
            for (int g = 0; g < n; g++) {
                int from = (int) ((long) g * blocks / n) * block, to = Math.min(parts.length, (int) ((long) (g + 1) * blocks / n) * block);
                groups[g] = new PartitionGroup(Option.apply(where[from]));
                for (int i = from; i < to; i++) groups[g].partitions().addOne(parts[i]);
            }
            return groups;
        }
    }

    /**
     * The driver's model and optimizer: the only copy of the optimizer's state. {@link #step} applies a round's
     * averaged gradient with the learning rate of the round's step.
     */
    static final class Driver {
        private final TrainConfig config;
        private final Module model;
        private final Optimizer optimizer;
        private final Map<String, Parameter> params;

        Driver(TrainConfig config, Snapshot initial) {
            this.config = config;
            this.model = config.source().build(config.seed());
            initial.loadInto(model, null);
            this.optimizer = config.newOptimizer(model.parameters());
            this.params = model.namedParameters();
        }

        /** Continues from a checkpoint's weights and optimizer state. */
        void restore(Snapshot saved) { saved.loadInto(model, optimizer); }

        /** Takes global step {@code step} ({@code stepsPerEpoch} to an epoch) with the averaged gradient; returns the new weights. */
        Snapshot step(Snapshot averagedGradient, long step, int stepsPerEpoch) {
            Map<String, Tensor> gradients = averagedGradient.toTensors(); // each entry rounded to its dtype, as workers' states are
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Tensor g = gradients.get(Snapshot.MODEL + e.getKey());
                if (g == null) throw new IllegalStateException("the workers sent no gradient for parameter " + e.getKey());
                Parameter p = e.getValue();
                p.setGrad(g.to(p.dtype()));
            }
            double lr = config.learningRate(step, stepsPerEpoch);
            for (ParamGroup group : optimizer.paramGroups()) group.set("lr", lr);
            optimizer.step();
            optimizer.zeroGrad();
            return weights();
        }

        /** The model's state (what tasks load). */
        Snapshot weights() { return Snapshot.of(model, null); }

        /** Weights and optimizer state, as a checkpoint holds them. */
        Snapshot withOptimizer() { return Snapshot.of(model, optimizer); }
    }

    /**
     * Each executor's models for a fit's tasks, one per concurrent task: a task takes one (or builds it from the spec)
     * and gives it back after the round. Every round loads the broadcast weights, so a model's history never matters.
     */
    static final class Models {
        private static final int MAX_FITS = 8;
        private static final Map<String, Deque<Module>> FREE = new LinkedHashMap<>(16, 0.75f, true) {
            @Override protected boolean removeEldestEntry(Map.Entry<String, Deque<Module>> eldest) { return size() > MAX_FITS; }
        };

        static Module take(TrainConfig config, Device on) {
            synchronized (FREE) {
                Deque<Module> free = FREE.get(config.fitId());
                Module m = free == null ? null : free.pollFirst();
                if (m != null && m.device().equals(on)) return m;
            }
            return config.source().build(config.seed()).to(on);
        }

        static void give(TrainConfig config, Module model) {
            synchronized (FREE) {
                FREE.computeIfAbsent(config.fitId(), k -> new ArrayDeque<>()).addLast(model);
            }
        }

        static void forget(String fitId) {
            synchronized (FREE) {
                FREE.remove(fitId);
            }
        }
    }
}
