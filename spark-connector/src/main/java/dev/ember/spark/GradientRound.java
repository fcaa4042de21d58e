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
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;

/**
 * Synchronous data-parallel rounds ({@code averaging = "gradients"}): every round is ONE optimizer step. Each worker
 * takes its next {@code batchSize / W} rows, computes the gradient of their mean loss at the broadcast weights, and
 * sends it weighted by its rows up {@link TreeSum}'s tree; the driver divides by the rows, so it holds the gradient of
 * the mean loss over the union of the workers' batches, and its optimizer (whose state never leaves the driver) takes
 * the step. That is one worker's training with batch {@code batchSize}, up to the rounding of the sum.
 *
 * <p>Only weights go down and only gradients come up, and since every partition of a round starts from the same
 * weights, a task loads them once into one model and runs all its partitions through it.
 */
final class GradientRound {
    private GradientRound() {}

    /**
     * The round over all partitions: one task per task slot, each training a run of adjacent partitions (see
     * {@link TreeSum.SlotGroups}) and sending their gradients summed into nodes of the tree. The driver sums the
     * nodes with {@link TreeSum#inOrder}: the bits do not depend on how the partitions were grouped.
     */
    static RoundResult run(JavaRDD<PartitionData> data, Broadcast<RoundTrainer.RoundInput> input, int partitions, int slots) {
        RDD<PartitionData> rdd = partitions <= slots ? data.rdd() : data.rdd().coalesce(slots, false, scala.Option.apply(new TreeSum.SlotGroups()), null);
        return TreeSum.inOrder(Jobs.collect(Jobs.mapPartitions(rdd, new Task(input))));
    }

    /** A round's function over a task's partitions (a named class, see {@link Jobs}). */
    static final class Task extends Jobs.PartitionFunction<PartitionData, RoundResult> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<RoundTrainer.RoundInput> input;

        Task(Broadcast<RoundTrainer.RoundInput> input) { this.input = input; }

        @Override Iterator<RoundResult> call(Iterator<PartitionData> group) {
            RoundTrainer.RoundInput in = input.value();
            TrainConfig config = in.config();
            String device = TaskDevice.choose(config.device());
            TaskContext tc = TaskContext.get();
            TreeSum.Nodes nodes = new TreeSum.Nodes();
            Module model = null;
            double loadSeconds = 0;
            try (var threads = Threads.useThreads(tc != null ? tc.cpus() : Threads.getNumThreads())) {
                while (group.hasNext()) {
                    PartitionData d = group.next();
                    long[] steps = config.stepsOfRound(in.round(), d.stepsPerEpoch(config.workerBatchSize()));
                    if (d.rows() == 0 || steps[0] >= steps[1]) {
                        nodes.add(RoundResult.idle(d.partition(), device));
                        continue;
                    }
                    if (model == null) { // loaded once, for the first partition that trains
                        long t0 = System.nanoTime();
                        model = Models.take(config, TaskDevice.device(device));
                        in.state().loadInto(model, null);
                        model.train();
                        loadSeconds = (System.nanoTime() - t0) / 1e9;
                    }
                    nodes.add(gradient(model, d, in, steps[0], device, loadSeconds));
                    loadSeconds = 0; // the load is counted once, with the partition that paid for it
                }
            } finally {
                if (model != null) Models.give(config, model);
            }
            return nodes.list().iterator();
        }
    }

    /** Partition {@code data}'s gradient at global step {@code step}, weighted by its batch's rows. */
    static RoundResult gradient(Module model, PartitionData data, RoundTrainer.RoundInput in, long step, String device, double loadSeconds) {
        long t0 = System.nanoTime();
        TrainConfig config = in.config();
        RoundTrainer.Replica position = RoundTrainer.Replica.take(config, data, step);
        Tensor[] cached = position.next();
        position.release(config, data);
        Device on = model.device();
        Tensor[] batch = {cached[0].to(on), cached[1].to(on)};
        int n = batch[0].size(0);
        Map<String, Tensor> grads = new LinkedHashMap<>();
        double loss;
        long correct = 0;
        try (var scope = Generator.useAsDefault(new Generator(TrainConfig.roundSeed(config.seed(), data.partition(), in.round())));
             MemoryScope memory = MemoryScope.open("gradient of round " + in.round() + " on partition " + data.partition())) {
            model.zeroGrad();
            Tensor output = model.forward(batch[0]);
            Tensor l = config.objective().loss(output, batch[1]);
            l.backward();
            loss = l.item();
            if (config.objective().classification()) correct = config.objective().correct(output.detach(), batch[1]);
            model.namedParameters().forEach((name, p) -> grads.put(Snapshot.MODEL + name,
                    p.grad() == null ? Tensor.zeros(p.shape(), p.dtype()) : p.grad().to(Device.CPU)));
            Snapshot gradient = Snapshot.fromTensors(grads);
            model.zeroGrad();
            memory.collect(model);
            double seconds = (System.nanoTime() - t0) / 1e9;
            return RoundResult.trained(data.partition(), n, gradient, loss * n, n, correct, 1, TaskDevice.describe(device), seconds, loadSeconds, false);
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
            Map<String, Integer> at = averagedGradient.layout.offsets();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Integer from = at.get(Snapshot.MODEL + e.getKey());
                if (from == null) throw new IllegalStateException("the workers sent no gradient for parameter " + e.getKey());
                Parameter p = e.getValue();
                p.setGrad(gradientTensor(averagedGradient.values, from, p));
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

    private static Tensor gradientTensor(double[] values, int from, Parameter p) {
        int n = Snapshot.numel(p.shape());
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) values[from + i];
        return Tensor.fromStorage(dev.ember.engine.Storage.of(f), p.shape()).to(p.dtype());
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
