package dev.ember.spark;

import java.io.Serializable;
import java.util.List;
import java.util.TreeSet;

/**
 * What the partitions {@code [start, start + count)} sent back after a round: their training state
 * weighted by their row counts and summed, plus loss and accuracy statistics. A partition that
 * trained nothing (no rows, or done with its epochs) sends weight 0 and no state.
 */
final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;

    final int start, count;
    /** Sum of the weights (rows) of the partitions that trained. */
    final double weight;
    /** Layout of {@link #weightedSums}, null when nothing trained. */
    final Snapshot.Layout layout;
    /** Sum over partitions of weight * state value. */
    final double[] weightedSums;
    final double lossSum;
    final long samples, correct, steps;
    /** How each task ran, e.g. "cpu" or "cpu (gpu 0 assigned; no CUDA backend)". */
    final TreeSet<String> devices;

    Partial(int start, int count, double weight, Snapshot.Layout layout, double[] weightedSums,
            double lossSum, long samples, long correct, long steps, TreeSet<String> devices) {
        this.start = start;
        this.count = count;
        this.weight = weight;
        this.layout = layout;
        this.weightedSums = weightedSums;
        this.lossSum = lossSum;
        this.samples = samples;
        this.correct = correct;
        this.steps = steps;
        this.devices = devices;
    }

    /** One partition that did not train this round. */
    static Partial idle(int partition, String device) {
        TreeSet<String> devices = new TreeSet<>();
        if (device != null) devices.add(device);
        return new Partial(partition, 1, 0, null, null, 0, 0, 0, 0, devices);
    }

    /** One partition's trained state, weighted by its rows. */
    static Partial trained(int partition, int rows, Snapshot state, double lossSum, long samples, long correct, long steps, String device) {
        double[] sums = state.values.clone();
        for (int i = 0; i < sums.length; i++) sums[i] *= rows;
        TreeSet<String> devices = new TreeSet<>();
        devices.add(device);
        return new Partial(partition, 1, rows, state.layout, sums, lossSum, samples, correct, steps, devices);
    }

    /**
     * This partial followed by the adjacent {@code next}. Only adjacent ranges combine, and
     * {@link TreeSum} always pairs the same ranges, so the floating-point sums come out the same
     * whatever order Spark's tasks finish in.
     */
    Partial then(Partial next) {
        if (start + count != next.start) throw new IllegalStateException("partials not adjacent: [" + start + ", " + (start + count) + ") and " + next.start);
        double[] sums = weightedSums;
        Snapshot.Layout l = layout;
        if (next.weightedSums != null) {
            if (sums == null) {
                sums = next.weightedSums.clone();
                l = next.layout;
            } else {
                if (!layout.equals(next.layout)) throw new IllegalStateException("partitions returned different state layouts: " + List.of(layout.names()) + " vs " + List.of(next.layout.names()));
                sums = sums.clone();
                for (int i = 0; i < sums.length; i++) sums[i] += next.weightedSums[i];
            }
        }
        TreeSet<String> devs = new TreeSet<>(devices);
        devs.addAll(next.devices);
        return new Partial(start, count + next.count, weight + next.weight, l, sums, lossSum + next.lossSum,
                samples + next.samples, correct + next.correct, steps + next.steps, devs);
    }

    /** The weighted average state; null when no partition trained. */
    Snapshot average() {
        if (weightedSums == null || weight == 0) return null;
        double[] avg = new double[weightedSums.length];
        for (int i = 0; i < avg.length; i++) avg[i] = weightedSums[i] / weight;
        return new Snapshot(layout, avg);
    }
}
