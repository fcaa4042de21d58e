package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TreeSumTest {
    /** Partials of 32 values of mixed signs and magnitudes, whose sums depend on the order of addition; partition 2 idle. */
    private static List<RoundResult> partials(int n) {
        List<RoundResult> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            Random random = new Random(p);
            double[] v = new double[32];
            for (int i = 0; i < v.length; i++) v[i] = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(12));
            Snapshot s = Snapshot.fromTensors(Map.of("model/w", Tensor.fromStorage(Storage.of(v), new int[]{32})));
            out.add(p == 2 ? RoundResult.idle(p, "cpu") : RoundResult.trained(p, 10 + p, s, 1, 1, 0, 1, "cpu"));
        }
        return out;
    }

    private static RoundResult add(RoundResult a, RoundResult b) { return RoundResult.sum(List.of(a, b)); }

    /** What the tasks of one grouping send: each run of adjacent partitions summed as far as the tree allows. */
    private static List<RoundResult> sent(List<RoundResult> partials, int... cuts) {
        List<RoundResult> out = new ArrayList<>();
        int from = 0;
        for (int to : cuts) {
            TreeSum.Nodes nodes = new TreeSum.Nodes();
            partials.subList(from, to).forEach(nodes::add);
            out.addAll(nodes.list());
            from = to;
        }
        return out;
    }

    @Test
    void anyGroupingOfTheTasksGivesTheBinaryTreesBits() {
        List<RoundResult> p = partials(7);
        // The tree by hand for 7 partitions: ((0+1)+(2+3)) + ((4+5)+6).
        RoundResult expected = add(add(add(p.get(0), p.get(1)), add(p.get(2), p.get(3))), add(add(p.get(4), p.get(5)), p.get(6)));
        // One flat left-to-right sum gives other bits for these values, so the checks below can fail.
        assertFalse(Arrays.equals(RoundResult.sum(p).weightedSums(), expected.weightedSums()));
        for (int[] cuts : new int[][]{{7}, {1, 2, 3, 4, 5, 6, 7}, {4, 7}, {3, 7}, {2, 5, 7}, {1, 6, 7}}) {
            List<RoundResult> sent = sent(p, cuts);
            RoundResult total = TreeSum.inOrder(sent);
            assertArrayEquals(expected.weightedSums(), total.weightedSums(), 0.0, "tasks cut at " + Arrays.toString(cuts));
            assertEquals(7, total.count);
            assertEquals(10 + 11 + 13 + 14 + 15 + 16, total.weight, 0.0);
        }
        // A task with partitions 0-3 sends one sum, not four states; 3-6 sends 3, 4+5 and 6 (the last range is the driver's).
        assertEquals(1, sent(p, 4).size());
        assertEquals(List.of(3, 4, 6), sent(p.subList(3, 7), 4).stream().map(r -> r.start).toList());
    }

    @Test
    void aTasksOwnPartitionsSumInTheirOwnArraysToTheSameBitsWhileAddedOnesAreNeverWritten() {
        List<RoundResult> p = partials(7);
        List<double[]> before = p.stream().map(RoundResult::weightedSums).toList();
        RoundResult expected = add(add(add(p.get(0), p.get(1)), add(p.get(2), p.get(3))), add(add(p.get(4), p.get(5)), p.get(6)));
        TreeSum.Nodes added = new TreeSum.Nodes(), taken = new TreeSum.Nodes();
        p.forEach(added::add);
        partials(7).forEach(taken::take); // the same values, made for this sum alone
        assertArrayEquals(expected.weightedSums(), TreeSum.inOrder(added.list()).weightedSums(), 0.0);
        assertArrayEquals(expected.weightedSums(), TreeSum.inOrder(taken.list()).weightedSums(), 0.0);
        for (int i = 0; i < p.size(); i++) assertArrayEquals(before.get(i), p.get(i).weightedSums(), 0.0, "partition " + i + " was written");
        // The driver's average in the total's own array: the sum over the weights, rounded as a float64 entry keeps it.
        RoundResult total = TreeSum.inOrder(partials(7));
        double[] sums = total.weightedSums();
        double[] average = total.takeAverage().values;
        for (int i = 0; i < sums.length; i++) assertEquals(sums[i] / (10 + 11 + 13 + 14 + 15 + 16), average[i], 0.0);
    }

    @Test
    void theArraysASumOnlyReadComeBackAsSparesAndTheSumKeepsItsBits() {
        List<RoundResult> mine = partials(8).subList(4, 8), copies = partials(8).subList(4, 8); // 4 to 7: one node of the tree
        List<double[]> arrays = mine.stream().map(RoundResult::values).toList();
        RoundResult expected = add(add(copies.get(0), copies.get(1)), add(copies.get(2), copies.get(3)));
        TreeSum.Nodes nodes = new TreeSum.Nodes();
        mine.forEach(nodes::take);
        List<RoundResult> sent = nodes.list();
        assertEquals(1, sent.size());
        // 4 + 5 sums into 4's array and 6 + 7 into 6's, then (4-5) + (6-7) into 4's: 5's, 7's and 6's arrays are free.
        assertTrue(sent.get(0).values() == arrays.get(0), "the node is formed in partition 4's array");
        List<double[]> spares = nodes.takeSpares();
        assertEquals(3, spares.size());
        assertTrue(spares.get(0) == arrays.get(1) && spares.get(1) == arrays.get(3) && spares.get(2) == arrays.get(2), "spares: 5's, 7's, 6's");
        for (double[] spare : spares) Arrays.fill(spare, Double.NaN); // reused by the task's next partition
        assertArrayEquals(expected.weightedSums(), sent.get(0).weightedSums(), 0.0);
        // Added results (read by others) are never handed out: only the sums made here, once a larger sum has read them.
        TreeSum.Nodes added = new TreeSum.Nodes();
        List<RoundResult> shared = partials(8).subList(4, 8);
        shared.forEach(added::add);
        List<double[]> made = added.takeSpares();
        assertEquals(1, made.size(), "the sum of 6 and 7, added into that of 4 and 5");
        assertTrue(shared.stream().noneMatch(r -> r.values() == made.get(0)));
    }

    @Test
    void theDriversSumOfSentResultsTakesTheirArraysAndMatchesTheCopyingSum() {
        List<RoundResult> copying = sent(partials(7), 3, 7), taking = sent(partials(7), 3, 7);
        double[] firstArray = taking.get(0).values();
        RoundResult expected = TreeSum.inOrder(copying), total = TreeSum.takeInOrder(taking);
        assertArrayEquals(expected.weightedSums(), total.weightedSums(), 0.0);
        assertTrue(total.values() == firstArray, "summed in the first node's array, not a new one");
        assertEquals(expected.weight, total.weight, 0.0);
    }

    @Test
    void anExecutorKeepsSpareArraysForOneFitAtATime() {
        double[] a = new double[3], b = new double[3];
        RoundTrainer.Spares.keep("fit-a", List.of(a, b));
        assertNull(RoundTrainer.Spares.take("fit-b"), "another fit's arrays are not handed out");
        assertTrue(RoundTrainer.Spares.take("fit-a") == b);
        RoundTrainer.Spares.keep("fit-b", List.of(new double[3])); // a new fit drops the last one's
        assertNull(RoundTrainer.Spares.take("fit-a"));
        RoundTrainer.Spares.keep("fit-b", List.of(new double[3], new double[3], new double[3], new double[3]));
        int kept = 0;
        while (RoundTrainer.Spares.take("fit-b") != null) kept++;
        assertEquals(4, kept, "at most 4 are kept");
        RoundTrainer.Spares.keep("fit-b", List.of(a));
        RoundTrainer.Replica.forget("fit-b");
        assertNull(RoundTrainer.Spares.take("fit-b"), "a finished fit's arrays are dropped");
    }

    @Test
    void aStateLargerThanTheWriteBufferTravelsExactly() throws Exception {
        Random random = new Random(5);
        float[] f = new float[50_000]; // 200 KB as floats: several turns of the 64 KB buffer
        double[] d = new double[20_001];
        long[] l = {-3, 0, 1L << 40};
        for (int i = 0; i < f.length; i++) f[i] = (float) random.nextGaussian();
        for (int i = 0; i < d.length; i++) d[i] = random.nextGaussian() * 1e-300;
        Map<String, Tensor> entries = new java.util.LinkedHashMap<>();
        entries.put("model/a", Tensor.fromStorage(Storage.of(f), new int[]{250, 200}));
        entries.put("model/b", Tensor.fromStorage(Storage.of(d), new int[]{20_001}));
        entries.put("optim/0/n", Tensor.fromStorage(Storage.of(l), new int[]{3}));
        Snapshot s = Snapshot.fromTensors(entries);
        Snapshot back = roundTrip(s);
        assertArrayEquals(s.values, back.values, 0.0);
        assertEquals(s.layout, back.layout);
        assertArrayEquals(f, back.toTensors().get("model/a").toFloatArray(), 0f);
        assertArrayEquals(l, back.toTensors().get("optim/0/n").toLongArray());
        RoundResult sum = add(RoundResult.trained(0, 3, s, 0, 0, 0, 1, "cpu"), RoundResult.trained(1, 5, back, 0, 0, 0, 1, "cpu"));
        double[] expected = new double[s.values.length];
        for (int i = 0; i < expected.length; i++) expected[i] = s.values[i] * 3 + s.values[i] * 5;
        assertArrayEquals(expected, roundTrip(sum).weightedSums(), 0.0);
    }

    @Test
    void aResultOverSparksDirectLimitIsNamedWithItsSize() {
        Snapshot s = Snapshot.fromTensors(Map.of("model/w", Tensor.zeros(300, 1000))); // 300,000 float32 values
        RoundResult total = add(RoundResult.trained(0, 1, s, 0, 0, 0, 1, "cpu"), RoundResult.trained(1, 1, s, 0, 0, 0, 1, "cpu"));
        String sums = total.indirectResultWarning(1 << 20, true); // 300,000 doubles = 2.4 MB over 1 MiB
        assertTrue(sums.startsWith("each task's round result is about 2.4 MB, over spark.task.maxDirectResultSize (1.0 MB)"), sums);
        assertTrue(sums.contains("spark.task.maxDirectResultSize=64m"), sums);
        String leaves = total.indirectResultWarning(1 << 20, false); // one partition a task: floats, 1.2 MB
        assertTrue(leaves.startsWith("each task's round result is about 1.2 MB"), leaves);
        assertNull(total.indirectResultWarning(64L << 20, true));
        assertNull(RoundResult.idle(0, "cpu").indirectResultWarning(1, true)); // nothing trained, nothing sent
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) { out.writeObject(value); }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) { return (T) in.readObject(); }
    }

    @Test
    void aSumTravelsAsBytesAndLosesNothing() throws Exception {
        RoundResult sum = TreeSum.inOrder(partials(4));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) { out.writeObject(sum); }
        RoundResult back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) { back = (RoundResult) in.readObject(); }
        assertArrayEquals(sum.weightedSums(), back.weightedSums(), 0.0);
        assertEquals(sum.layout, back.layout);
        assertEquals(4, back.count);
        assertEquals(sum.weight, back.weight, 0.0);
    }

    @Test
    void onlyAnOwnedTrainedLeftLeafIsTakenForItsRightSibling() {
        List<RoundResult> p = partials(4); // partition 2 idle
        TreeSum.Nodes nodes = new TreeSum.Nodes();
        nodes.take(p.get(0));
        assertNull(nodes.takeLeftLeaf(2), "2 is a left child");
        assertTrue(nodes.takeLeftLeaf(1) == p.get(0));
        assertEquals(List.of(), nodes.list(), "taken off");

        TreeSum.Nodes added = new TreeSum.Nodes();
        added.add(p.get(0));
        assertNull(added.takeLeftLeaf(1), "an added result is never written");
        TreeSum.Nodes idle = new TreeSum.Nodes();
        idle.take(p.get(2));
        assertNull(idle.takeLeftLeaf(3), "nothing trained: nothing to add into");
        TreeSum.Nodes pair = new TreeSum.Nodes();
        pair.take(p.get(0));
        pair.take(p.get(1));
        assertNull(pair.takeLeftLeaf(3), "the top is the node [0, 2), not partition 2");
    }

    @Test
    void aCachedPartitionsLocationIsItsExecutorWhichTheSchedulerReadsBack() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        JavaRDD<Integer> plain = jsc.parallelize(List.of(0, 1), 2), cached = jsc.parallelize(List.of(0, 1), 2).cache();
        cached.count(); // no job since: the scheduler's own view of the cache is still empty
        assertArrayEquals(new String[]{null, null}, TreeSum.locations(plain.rdd()), "not cached: no executor holds it");
        String[] where = TreeSum.locations(cached.rdd());
        // Local mode's one executor is the driver; a host alone would let a task run on any executor of the host.
        var driver = new org.apache.spark.scheduler.ExecutorCacheTaskLocation(jsc.sc().env().blockManager().blockManagerId().host(), "driver");
        assertEquals(driver, org.apache.spark.scheduler.TaskLocation.apply(where[0]));
        assertEquals(driver, org.apache.spark.scheduler.TaskLocation.apply(where[1]));
        cached.unpersist(false);
    }

    @Test
    void aRoundsTasksTakeRunsOfAdjacentPartitions() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        JavaRDD<Integer> cached = jsc.parallelize(List.of(0, 1, 2, 3, 4, 5, 6, 7), 8).cache();
        cached.count(); // cached: every partition has a preferred host, which Spark's own coalesce balances over its groups
        List<List<Integer>> groups = cached.rdd().coalesce(2, false, scala.Option.apply(new TreeSum.SlotGroups()), null).toJavaRDD().glom().collect();
        assertEquals(List.of(List.of(0, 1, 2, 3), List.of(4, 5, 6, 7)), groups);
        assertEquals(List.of(List.of(0, 1), List.of(2, 3, 4), List.of(5, 6, 7)), // runs of 8 / 3 partitions, cut at 2 and 5
                cached.rdd().coalesce(3, false, scala.Option.apply(new TreeSum.SlotGroups()), null).toJavaRDD().glom().collect());
        cached.unpersist(false);
    }
}
