package dev.ember.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Sums the partitions' {@link Partial}s in a fixed tree: groups of {@value #FAN_IN} adjacent ranges
 * are summed left to right on the executors, level by level, and the driver sums the last level.
 *
 * <p>Why not {@code RDD.treeAggregate}: it merges results in the order tasks finish, and
 * floating-point addition is not associative, so the same seed and data could give models that differ
 * in the last bits. Here the grouping is fixed by partition index, so training is reproducible bit for
 * bit, while the driver still receives at most {@value #FAN_IN} state vectors per round.
 */
final class TreeSum {
    static final int FAN_IN = 8;

    private TreeSum() {}

    static Partial sum(JavaRDD<Partial> partials, int numPartitions) {
        int width = 1, groups = numPartitions;
        JavaRDD<Partial> level = partials;
        while (groups > FAN_IN) {
            int groupWidth = width * FAN_IN;
            groups = (groups + FAN_IN - 1) / FAN_IN;
            level = level.mapToPair(p -> new Tuple2<>(p.start / groupWidth, p))
                    .groupByKey(groups)
                    .map(group -> inOrder(group._2()));
            width = groupWidth;
        }
        return inOrder(level.collect());
    }

    /** Sums partials of adjacent ranges from left to right. */
    static Partial inOrder(Iterable<Partial> partials) {
        List<Partial> sorted = new ArrayList<>();
        partials.forEach(sorted::add);
        if (sorted.isEmpty()) throw new IllegalStateException("no partitions to sum");
        sorted.sort(Comparator.comparingInt(p -> p.start));
        Partial total = sorted.get(0);
        for (int i = 1; i < sorted.size(); i++) total = total.then(sorted.get(i));
        return total;
    }
}
