package dev.ember.spark;

import java.io.Serializable;
import java.util.List;
import java.util.TreeSet;

/**
 * What the partitions {@code [start, start + count)} sent back after a round: their training state
 * weighted by their row counts and summed, plus loss, accuracy and timing statistics. A partition that
 * trained nothing (no rows, or done with its epochs) sends weight 0 and no state.
 *
 * <p>One partition's result carries its state as trained (float32 values travel as floats) and its
 * weight; the weighted sum in doubles is formed only when results combine, in {@link #sum}.
 */
final class RoundResult implements Serializable {
    private static final long serialVersionUID = 3L;

    final int start, count;
    /** Sum of the weights (rows) of the partitions that trained. */
    final double weight;
    /** One trained partition's state (weight {@link #weight}); null once combined or when nothing trained. */
    private final Snapshot single;
    /** Layout of the state, null when nothing trained. */
    final Snapshot.Layout layout;
    /** Sum over partitions of weight * state value; null for a single partition's result. Written as bytes (see {@link ValueBytes}). */
    private transient double[] sums;
    final double lossSum;
    final long samples, correct, steps;
    /** Task-side seconds, summed over the partitions: taking the local steps, and everything else a task does. */
    final double trainSeconds, setupSeconds;
    /** Partitions that reused the model and optimizer their executor kept from the last round. */
    final int reused;
    /** How each task ran, e.g. "cpu" or "cpu (gpu 0 assigned; no CUDA backend)". */
    final TreeSet<String> devices;

    private RoundResult(int start, int count, double weight, Snapshot single, Snapshot.Layout layout, double[] sums, double lossSum,
                    long samples, long correct, long steps, double trainSeconds, double setupSeconds, int reused, TreeSet<String> devices) {
        this.start = start;
        this.count = count;
        this.weight = weight;
        this.single = single;
        this.layout = layout;
        this.sums = sums;
        this.lossSum = lossSum;
        this.samples = samples;
        this.correct = correct;
        this.steps = steps;
        this.trainSeconds = trainSeconds;
        this.setupSeconds = setupSeconds;
        this.reused = reused;
        this.devices = devices;
    }

    /** One partition that did not train this round. */
    static RoundResult idle(int partition, String device) {
        TreeSet<String> devices = new TreeSet<>();
        if (device != null) devices.add(device);
        return new RoundResult(partition, 1, 0, null, null, null, 0, 0, 0, 0, 0, 0, 0, devices);
    }

    /** One partition's trained state, to be weighted by its rows. */
    static RoundResult trained(int partition, int rows, Snapshot state, double lossSum, long samples, long correct, long steps, String device) {
        return trained(partition, rows, state, lossSum, samples, correct, steps, device, 0, 0, false);
    }

    static RoundResult trained(int partition, int rows, Snapshot state, double lossSum, long samples, long correct, long steps, String device,
                           double trainSeconds, double setupSeconds, boolean reused) {
        TreeSet<String> devices = new TreeSet<>();
        devices.add(device);
        return new RoundResult(partition, 1, rows, state, state.layout, null, lossSum, samples, correct, steps, trainSeconds, setupSeconds,
                reused ? 1 : 0, devices);
    }

    /**
     * The node of {@code left}, one partition's own trained result, and its right sibling {@code partition}, whose state
     * the caller has added into {@code left}'s array ({@link Snapshot#addWeighted}): what {@code sum(List.of(left, right),
     * true)} gives for the sibling's {@link #trained} result, without that state ever being written out on its own.
     */
    static RoundResult pairedWith(RoundResult left, int partition, int rows, double lossSum, long samples, long correct, long steps, String device,
                                  double trainSeconds, double setupSeconds, boolean reused) {
        if (left.single == null || left.count != 1 || left.start + 1 != partition || left.start % 2 != 0) {
            throw new IllegalArgumentException("partition " + partition + " is not the right sibling of a trained partition " + left.start);
        }
        TreeSet<String> devices = new TreeSet<>(left.devices);
        devices.add(device);
        return new RoundResult(left.start, 2, left.weight + rows, null, left.layout, left.single.values, left.lossSum + lossSum, left.samples + samples,
                left.correct + correct, left.steps + steps, left.trainSeconds + trainSeconds, left.setupSeconds + setupSeconds,
                left.reused + (reused ? 1 : 0), devices);
    }

    /** Whether this is one partition's trained state, as sent, not yet weighted. */
    boolean isSingle() { return single != null; }

    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        out.writeBoolean(sums != null);
        if (sums != null) ValueBytes.writeDoubles(out, sums);
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (in.readBoolean()) sums = ValueBytes.readDoubles(in);
    }

    /** The array that holds this result's state: its sums, or its one partition's values; null when nothing trained. */
    double[] values() { return sums != null ? sums : single != null ? single.values : null; }

    /** Sum over partitions of weight * value, as a new array. */
    double[] weightedSums() { return weightedSums(false); }

    /** As {@link #weightedSums()}, in this result's own array when {@code reuse} (this result is never read again). */
    private double[] weightedSums(boolean reuse) {
        if (sums != null) return reuse ? sums : sums.clone();
        if (single == null) return null;
        double[] out = reuse ? single.values : single.values.clone();
        for (int i = 0; i < out.length; i++) out[i] *= weight;
        return out;
    }

    /**
     * Adjacent partials, left to right, summed into one array. Only adjacent ranges combine, and {@link TreeSum}
     * always pairs the same ranges (two halves of a node of its tree), so the floating-point sums come out the
     * same whatever order Spark's tasks finish in and however they group the partitions.
     */
    static RoundResult sum(List<RoundResult> inOrder) { return sum(inOrder, false); }

    /**
     * As {@link #sum(List)}; with {@code takeFirst} the first result's array becomes the sum's rather than a copy: for a
     * caller that made the first result (or received it from no one else) and never reads it again.
     */
    static RoundResult sum(List<RoundResult> inOrder, boolean takeFirst) {
        RoundResult first = inOrder.get(0);
        double[] acc = first.layout == null ? null : first.weightedSums(takeFirst);
        Snapshot.Layout l = first.layout;
        int count = first.count, reused = first.reused;
        double weight = first.weight, lossSum = first.lossSum, trainSeconds = first.trainSeconds, setupSeconds = first.setupSeconds;
        long samples = first.samples, correct = first.correct, steps = first.steps;
        TreeSet<String> devs = new TreeSet<>(first.devices);
        for (RoundResult next : inOrder.subList(1, inOrder.size())) {
            if (first.start + count != next.start) {
                throw new IllegalStateException("partials not adjacent: [" + first.start + ", " + (first.start + count) + ") and " + next.start);
            }
            if (next.layout != null) {
                if (acc == null) {
                    acc = next.weightedSums();
                    l = next.layout;
                } else {
                    if (!l.equals(next.layout)) throw new IllegalStateException("partitions returned different state layouts: " + List.of(l.names()) + " vs " + List.of(next.layout.names()));
                    next.addWeightedTo(acc);
                }
            }
            count += next.count;
            weight += next.weight;
            lossSum += next.lossSum;
            samples += next.samples;
            correct += next.correct;
            steps += next.steps;
            trainSeconds += next.trainSeconds;
            setupSeconds += next.setupSeconds;
            reused += next.reused;
            devs.addAll(next.devices);
        }
        return new RoundResult(first.start, count, weight, null, l, acc, lossSum, samples, correct, steps, trainSeconds, setupSeconds, reused, devs);
    }

    /** {@code acc += weight * value}, element by element, with the rounding of adding {@link #weightedSums()}. */
    private void addWeightedTo(double[] acc) {
        if (sums != null) {
            for (int i = 0; i < acc.length; i++) acc[i] += sums[i];
        } else {
            double[] v = single.values;
            for (int i = 0; i < acc.length; i++) acc[i] += v[i] * weight;
        }
    }

    /**
     * Why this round's task results took the block manager's slower path, or null when they did not: a task that trained
     * several partitions sends their sums as doubles, one that trained one its state (about 4 bytes a value: float32 entries as floats).
     */
    String indirectResultWarning(long maxDirectResultSize, boolean tasksSendSums) {
        if (layout == null) return null;
        long bytes = (tasksSendSums ? 8L : 4L) * layout.size();
        if (bytes <= maxDirectResultSize) return null;
        return String.format(java.util.Locale.ROOT, "each task's round result is about %.1f MB, over spark.task.maxDirectResultSize (%.1f MB): Spark "
                + "stores it in the executor's block manager and the driver fetches it in a second transfer, every round. Set "
                + "spark.task.maxDirectResultSize=64m when the session starts (executors read it then; Ember's spark-defaults.conf does)",
                bytes / 1e6, maxDirectResultSize / 1e6);
    }

    /** The weighted average state, each value rounded to its entry's dtype; null when no partition trained. */
    Snapshot average() { return average(false); }

    /** As {@link #average()}, in this result's own array: for the driver's round total, which is read once. */
    Snapshot takeAverage() { return average(true); }

    private Snapshot average(boolean inPlace) {
        if (layout == null || weight == 0) return null;
        double[] avg = weightedSums(inPlace);
        int at = 0;
        for (int i = 0; i < layout.names().length; i++) {
            dev.ember.engine.DType type = layout.dtypes()[i];
            for (int end = at + Snapshot.numel(layout.shapes()[i]); at < end; at++) avg[at] = Snapshot.round(type, avg[at] / weight);
        }
        return new Snapshot(layout, avg);
    }
}
