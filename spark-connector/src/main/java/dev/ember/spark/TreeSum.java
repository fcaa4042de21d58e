package dev.ember.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Partition;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.StorageLevel;
import scala.Option;

/**
 * Sums the partitions' {@link RoundResult}s in a fixed tree: groups of {@value #FAN_IN} adjacent ranges
 * are summed left to right on the executors, level by level, and the driver sums the last level.
 *
 * <p>Why not {@code RDD.treeAggregate}: it merges results in the order tasks finish, and
 * floating-point addition is not associative, so the same seed and data could give models that differ
 * in the last bits. Here the grouping is fixed by partition index, so training is reproducible bit for
 * bit, while the driver still receives at most {@value #FAN_IN} state vectors per round.
 *
 * <p>With more than {@value #FAN_IN} partitions a level is kept in executor memory and the next level
 * reads it through a narrow coalesce of adjacent partitions, not a shuffle: a shuffle wrote every
 * partition's state to disk each round (32 partitions of the Fashion-MNIST MLP: 90 MB a round). A
 * level lost with its executor is recomputed from its lineage, which gives the same values.
 */
final class TreeSum {
    static final int FAN_IN = 8;

    private TreeSum() {}

    static RoundResult sum(RDD<RoundResult> partials, int numPartitions) {
        if (numPartitions <= FAN_IN) return inOrder(Jobs.collect(partials));
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
            return inOrder(Jobs.collect(level));
        } finally {
            for (RDD<RoundResult> rdd : kept) rdd.unpersist(false);
        }
    }

    /** One coalesced group's partials summed into one. */
    private static final class SumGroup extends Jobs.PartitionFunction<RoundResult, RoundResult> {
        private static final long serialVersionUID = 1L;

        @Override java.util.Iterator<RoundResult> call(java.util.Iterator<RoundResult> group) {
            List<RoundResult> all = new ArrayList<>();
            group.forEachRemaining(all::add);
            return List.of(inOrder(all)).iterator();
        }
    }

    /** Sums partials of adjacent ranges from left to right. */
    static RoundResult inOrder(Iterable<RoundResult> partials) {
        List<RoundResult> sorted = new ArrayList<>();
        partials.forEach(sorted::add);
        if (sorted.isEmpty()) throw new IllegalStateException("no partitions to sum");
        sorted.sort(Comparator.comparingInt(p -> p.start));
        return RoundResult.sum(sorted);
    }

    /** Groups partitions {@code [FAN_IN * g, FAN_IN * (g + 1))}, in order, each group preferring where its first partition is. */
    static final class AdjacentGroups implements PartitionCoalescer, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            int n = (parts.length + FAN_IN - 1) / FAN_IN;
            PartitionGroup[] groups = new PartitionGroup[n];
            for (int g = 0; g < n; g++) {
                scala.collection.immutable.Seq<org.apache.spark.scheduler.TaskLocation> where =
                        parent.context().getPreferredLocs(parent, FAN_IN * g);
                groups[g] = new PartitionGroup(where.isEmpty() ? Option.empty() : Option.apply(where.head().host()));
                for (int i = FAN_IN * g; i < Math.min(parts.length, FAN_IN * (g + 1)); i++) groups[g].partitions().addOne(parts[i]);
            }
            return groups;
        }
    }
}
