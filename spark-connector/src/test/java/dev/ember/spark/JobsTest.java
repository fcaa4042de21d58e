package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JobsTest {
    /** Sums each partition's numbers, the way TreeSum's levels sum theirs. */
    static final class SumEach extends Jobs.PartitionFunction<Integer, Integer> {
        @Override Iterator<Integer> call(Iterator<Integer> partition) {
            int sum = 0;
            while (partition.hasNext()) sum += partition.next();
            return List.of(sum).iterator();
        }
    }

    @Test
    void collectKeepsPartitionOrderAndCountComputesEveryPartition() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<Integer> numbers = new ArrayList<>();
        for (int i = 1; i <= 10; i++) numbers.add(i);
        RDD<Integer> rdd = jsc.parallelize(numbers, 4).rdd(); // slices 1-2, 3-5, 6-7, 8-10

        assertEquals(numbers, Jobs.collect(rdd));
        assertEquals(10, Jobs.count(rdd));
        assertEquals(List.of(3, 12, 13, 27), Jobs.collect(Jobs.mapPartitions(rdd, new SumEach())));
        assertEquals(0, Jobs.count(jsc.parallelize(List.<Integer>of(), 3).rdd()));
    }

    /** Each partition's numbers in a new list, remembered by identity in the JVM the task runs in. */
    static final class NewLists extends Jobs.PartitionFunction<Integer, List<Integer>> {
        static final java.util.Set<Object> MADE = java.util.Collections.newSetFromMap(new java.util.concurrent.ConcurrentHashMap<>());

        @Override Iterator<List<Integer>> call(Iterator<Integer> partition) {
            List<Integer> out = new ArrayList<>();
            partition.forEachRemaining(out::add);
            MADE.add(out);
            return List.<List<Integer>>of(out).iterator();
        }
    }

    @Test
    void collectNewHandsLocalTasksObjectsOverInPartitionOrder() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext()); // local[2]: tasks in this JVM
        List<Integer> numbers = new ArrayList<>();
        for (int i = 1; i <= 10; i++) numbers.add(i);
        RDD<List<Integer>> lists = Jobs.mapPartitions(jsc.parallelize(numbers, 4).rdd(), new NewLists());

        List<List<Integer>> handed = Jobs.collectNew(lists), copied = Jobs.collect(lists);
        assertEquals(List.of(List.of(1, 2), List.of(3, 4, 5), List.of(6, 7), List.of(8, 9, 10)), handed);
        assertEquals(handed, copied);
        for (List<Integer> l : handed) assertTrue(NewLists.MADE.contains(l) && NewLists.MADE.stream().anyMatch(m -> m == l), "the task's own list");
        for (List<Integer> l : copied) assertTrue(NewLists.MADE.stream().noneMatch(m -> m == l), "collect deserializes a copy");
    }
}
