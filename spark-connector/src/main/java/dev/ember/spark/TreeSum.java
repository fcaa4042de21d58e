package dev.ember.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.Partition;
import org.apache.spark.SparkEnv;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import org.apache.spark.scheduler.ExecutorCacheTaskLocation;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManagerId;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageLevel;
import scala.Option;

/**
 * Sums the partitions' {@link RoundResult}s in one fixed binary tree over the partition indices: the node of
 * level j and index k sums partitions {@code [k 2^j, (k + 1) 2^j)} as its left half plus its right half, and a
 * range cut short by the last partition is its left half plus what there is of its right. Whoever holds both
 * halves of a node sums them: a task that trained partitions 0-3 sends their sum, not four states.
 *
 * <p>Why not {@code RDD.treeAggregate}: it merges results in the order tasks finish, and floating-point
 * addition is not associative, so the same seed and data could give models that differ in the last bits.
 * Here every sum is a node of the same tree whichever task or executor forms it, so training is reproducible
 * bit for bit on any number of task slots.
 *
 * <p>With more than {@value #FAN_IN} partitions each takes its own task, a level is kept in executor memory
 * and the next level reads it through a narrow coalesce of {@value #FAN_IN} adjacent partitions, not a
 * shuffle: a shuffle wrote every partition's state to disk each round (32 partitions of the Fashion-MNIST
 * MLP: 90 MB a round). A level lost with its executor is recomputed from its lineage, which gives the same
 * values.
 */
final class TreeSum {
    static final int FAN_IN = 8;

    private TreeSum() {}

    /** The sum of {@code partials}, results its tasks make for this sum alone: their arrays become the sum's (see {@link Jobs#collectNew}). */
    static RoundResult sum(RDD<RoundResult> partials, int numPartitions) {
        if (numPartitions <= FAN_IN) return takeInOrder(Jobs.collectNew(partials)); // the tasks' own results
        List<RDD<RoundResult>> kept = new ArrayList<>();
        try {
            RDD<RoundResult> level = partials;
            int groups = numPartitions;
            while (groups > FAN_IN) {
                level.persist(StorageLevel.MEMORY_ONLY());
                kept.add(level);
                Jobs.count(level); // all partitions at once, in parallel; the next level only reads them
                groups = (groups + FAN_IN - 1) / FAN_IN;
                level = Jobs.mapPartitions(level.coalesce(groups, false, Option.apply(new AdjacentGroups()), null), new SumGroup());
            }
            return takeInOrder(Jobs.collect(level));
        } finally {
            for (RDD<RoundResult> rdd : kept) rdd.unpersist(false);
        }
    }

    /** One coalesced group's results, summed as far as the tree allows. */
    private static final class SumGroup extends Jobs.PartitionFunction<RoundResult, RoundResult> {
        private static final long serialVersionUID = 1L;

        @Override java.util.Iterator<RoundResult> call(java.util.Iterator<RoundResult> group) {
            Nodes nodes = new Nodes();
            group.forEachRemaining(nodes::add);
            return nodes.list().iterator();
        }
    }

    /** The tree's sum of results that together cover the partitions {@code [0, n)}: partials or nodes, in any order. */
    static RoundResult inOrder(Iterable<RoundResult> partials) { return inOrder(partials, false); }

    /**
     * As {@link #inOrder(Iterable)}, summing into the results' own arrays: for results no one else reads, such as those a
     * job just sent (deserialized on the driver), so the driver's sum allocates no state-sized array.
     */
    static RoundResult takeInOrder(Iterable<RoundResult> partials) { return inOrder(partials, true); }

    private static RoundResult inOrder(Iterable<RoundResult> partials, boolean take) {
        List<RoundResult> sorted = new ArrayList<>();
        partials.forEach(sorted::add);
        if (sorted.isEmpty()) throw new IllegalStateException("no partitions to sum");
        sorted.sort(Comparator.comparingInt(p -> p.start));
        Nodes nodes = new Nodes();
        for (RoundResult p : sorted) {
            if (take) nodes.take(p);
            else nodes.add(p);
        }
        // What is left are whole nodes of decreasing size, the last range cut short: its nodes sum right to left.
        List<RoundResult> left = nodes.list();
        RoundResult total = left.get(left.size() - 1);
        for (int i = left.size() - 2; i >= 0; i--) total = RoundResult.sum(List.of(left.get(i), total), take);
        return total;
    }

    /**
     * Results of adjacent ranges, added left to right, each summed with its sibling as soon as both are here: what
     * remains are whole nodes of the tree (a task sends those). A range cut short by the last partition is never
     * summed here, since only the caller that has every partition knows it is the last.
     */
    static final class Nodes {
        private final Deque<RoundResult> stack = new ArrayDeque<>();
        /** Results whose arrays a sum may take over: those {@link #take}n, and the sums made here, until {@link #list}. */
        private final Set<RoundResult> owned = Collections.newSetFromMap(new IdentityHashMap<>());
        /** Arrays of owned results that a sum has added into its left half: no one reads them again. */
        private final Deque<double[]> spares = new ArrayDeque<>();

        /** Adds a result others may still read (a cached level, a caller's list): its values are never written. */
        void add(RoundResult next) {
            RoundResult right = next;
            while (!stack.isEmpty() && siblings(stack.peekLast(), right)) {
                RoundResult left = stack.pollLast();
                boolean rightFree = owned.remove(right);
                // A left node made here becomes the sum in place: a task's partitions cost one state-sized array, not one per sum.
                RoundResult sum = RoundResult.sum(List.of(left, right), owned.remove(left));
                if (rightFree && right.values() != null) spares.addLast(right.values()); // the sum only read it
                right = sum;
                owned.add(right);
            }
            stack.addLast(right);
        }

        /** Adds a result that the caller made and never reads again (a task's own partition), so it need not be copied. */
        void take(RoundResult next) {
            owned.add(next);
            add(next);
        }

        /**
         * The owned, trained one-partition result of {@code partition - 1}, taken off, when {@code partition} is its right
         * sibling; else null. The caller adds its partition's state into it ({@link RoundResult#pairedWith}) and {@link
         * #take}s the pair: one pass over the state instead of writing it out, weighting the left one and adding.
         */
        RoundResult takeLeftLeaf(int partition) {
            RoundResult last = stack.peekLast();
            if (partition % 2 == 0 || last == null || last.start != partition - 1 || !last.isSingle() || !owned.remove(last)) return null;
            return stack.pollLast();
        }

        /** A state-sized array that an owned result gave up to a sum (its contents are stale), or null: for the caller's next result. */
        double[] spare() { return spares.pollLast(); }

        /** The arrays still {@link #spare}, handed over to the caller. */
        List<double[]> takeSpares() {
            List<double[]> out = new ArrayList<>(spares);
            spares.clear();
            return out;
        }

        /** Left to right; the results are the caller's from now on. */
        List<RoundResult> list() {
            owned.clear();
            return new ArrayList<>(stack);
        }

        /** Whether {@code left} is a whole left child (2^j partitions at a multiple of 2^(j+1)) and {@code right} its whole sibling. */
        private static boolean siblings(RoundResult left, RoundResult right) {
            int size = left.count;
            return Integer.bitCount(size) == 1 && left.start % (2 * size) == 0 && right.start == left.start + size && right.count == size;
        }
    }

    /** Groups partitions {@code [FAN_IN * g, FAN_IN * (g + 1))}, in order, each group preferring where its first partition is ({@link #locations}). */
    static final class AdjacentGroups implements PartitionCoalescer, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            String[] where = locations(parent);
            int n = (parts.length + FAN_IN - 1) / FAN_IN;
            PartitionGroup[] groups = new PartitionGroup[n];
            for (int g = 0; g < n; g++) {
                groups[g] = new PartitionGroup(Option.apply(where[FAN_IN * g]));
                for (int i = FAN_IN * g; i < Math.min(parts.length, FAN_IN * (g + 1)); i++) groups[g].partitions().addOne(parts[i]);
            }
            return groups;
        }
    }

    /**
     * About {@code maxPartitions} groups for the tasks of a round, each a run of adjacent partitions cached on one
     * executor ({@link #locations}), so a task sums what it trained into few nodes of the tree and reads its partitions
     * where they are. Spark's own coalesce balances a host's partitions over the groups (randomized bins and balls, by
     * its documentation): seldom two siblings in one.
     */
    static final class SlotGroups implements PartitionCoalescer, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            String[] where = locations(parent);
            Map<String, List<Integer>> byLocation = new TreeMap<>();
            for (int i = 0; i < parts.length; i++) byLocation.computeIfAbsent(where[i] != null ? where[i] : "", h -> new ArrayList<>()).add(i);
            List<PartitionGroup> groups = new ArrayList<>();
            byLocation.forEach((executor, indices) -> {
                int share = Math.max(1, Math.min(indices.size(), (int) Math.round((double) maxPartitions * indices.size() / parts.length)));
                for (int g = 0; g < share; g++) {
                    PartitionGroup group = new PartitionGroup(executor.isEmpty() ? Option.empty() : Option.apply(executor));
                    for (int i : indices.subList(g * indices.size() / share, (g + 1) * indices.size() / share)) group.partitions().addOne(parts[i]);
                    groups.add(group);
                }
            });
            return groups.toArray(PartitionGroup[]::new);
        }
    }

    /**
     * Where each cached partition of {@code rdd} is: its executor ({@code executor_<host>_<id>}, which the scheduler reads
     * back as that executor), or null when no executor holds it. A host alone would let a task run on any executor of that
     * host, and several executors share one (a {@code local-cluster}, YARN): a task there reads the cached partitions it
     * trains from another executor, every round. Asked of the block manager's master, not {@code getPreferredLocs}: the
     * scheduler keeps the locations it saw when the job that cached the partitions started, none, until the next job.
     */
    static String[] locations(RDD<?> rdd) {
        int n = rdd.getNumPartitions();
        BlockId[] blocks = new BlockId[n];
        for (int i = 0; i < n; i++) blocks[i] = new RDDBlockId(rdd.id(), i);
        scala.collection.IndexedSeq<scala.collection.immutable.Seq<BlockManagerId>> held = SparkEnv.get().blockManager().master().getLocations(blocks);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            if (held.apply(i).isEmpty()) continue;
            BlockManagerId where = held.apply(i).head();
            out[i] = new ExecutorCacheTaskLocation(where.host(), where.executorId()).toString();
        }
        return out;
    }
}
