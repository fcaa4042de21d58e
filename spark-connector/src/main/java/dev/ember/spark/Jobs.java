package dev.ember.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.IntStream;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;

/**
 * The Spark jobs of a round, built from named function classes rather than lambdas.
 *
 * <p>Why: {@code SparkContext.clean} runs the ClosureCleaner on every function a job is built from, and for a
 * lambda that means finding and parsing its class file (a jar lookup, ASM). {@code RDD.collect} and
 * {@code JavaRDD.mapPartitions} wrap their functions in new lambdas each call, so a round paid for two to four
 * such parses: about a quarter of the driver's CPU in a round, in a profile at 8 workers. A named class that is
 * no lambda skips the cleaner's parsing.
 */
final class Jobs {
    private Jobs() {}

    /** {@code rdd.mapPartitions(f)}, partitioning preserved. */
    static <T, U> RDD<U> mapPartitions(RDD<T> rdd, PartitionFunction<T, U> f) {
        return rdd.mapPartitions(f, true, classTag());
    }

    /** Every element of {@code rdd}, partition by partition in index order. */
    static <T> List<T> collect(RDD<T> rdd) {
        return concat(run(rdd, new ToList<>()));
    }

    private static <T> List<T> concat(List<List<T>> parts) {
        List<T> out = new ArrayList<>();
        for (List<T> p : parts) out.addAll(p);
        return out;
    }

    /**
     * As {@link #collect}, for elements that the job's tasks make for the caller alone (a round's results): in local mode,
     * where the tasks run in the driver's JVM, each task hands its elements over as they are. Spark would serialize them
     * in the task and read them back on the driver, several copies of a multi-MB round state in one JVM.
     */
    static <T> List<T> collectNew(RDD<T> rdd) {
        if (!rdd.context().isLocal()) return collect(rdd);
        long key = NEXT_HANDOVER.getAndIncrement();
        AtomicReferenceArray<List<?>> slots = new AtomicReferenceArray<>(rdd.getNumPartitions());
        HANDOVERS.put(key, slots);
        try {
            run(rdd, new HandOver<T>(key));
        } finally {
            HANDOVERS.remove(key); // a late attempt of a task finds no slots and fails, keeping nothing
        }
        List<List<T>> parts = new ArrayList<>();
        for (int i = 0; i < slots.length(); i++) {
            @SuppressWarnings("unchecked") List<T> part = (List<T>) slots.get(i);
            parts.add(part);
        }
        return concat(parts);
    }

    private static final AtomicLong NEXT_HANDOVER = new AtomicLong();
    private static final Map<Long, AtomicReferenceArray<List<?>>> HANDOVERS = new ConcurrentHashMap<>();

    /** A task's side of {@link #collectNew}: its partition's elements, put where the driver's call waits for them. */
    private static final class HandOver<T> extends AbstractFunction2<TaskContext, Iterator<T>, Boolean> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final long key;

        HandOver(long key) { this.key = key; }

        @Override public Boolean apply(TaskContext context, Iterator<T> partition) {
            List<T> out = ToList.of(partition);
            AtomicReferenceArray<List<?>> slots = HANDOVERS.get(key);
            if (slots == null) throw new IllegalStateException("job " + key + " no longer waits for its results (a task ran after its job ended)");
            slots.set(context.partitionId(), out);
            return true;
        }
    }

    /** Computes every partition of {@code rdd} (to fill its cache) and returns how many elements it has. */
    static <T> long count(RDD<T> rdd) {
        return run(rdd, new Size<>()).stream().mapToLong(Long::longValue).sum();
    }

    /** One result per partition, in index order: {@code SparkContext.runJob} with no lambda for the cleaner to parse. */
    @SuppressWarnings("unchecked")
    private static <T, U> List<U> run(RDD<T> rdd, AbstractFunction2<TaskContext, Iterator<T>, U> perPartition) {
        int n = rdd.getNumPartitions();
        Object[] results = new Object[n];
        List<Object> partitions = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        rdd.context().runJob(rdd, perPartition, CollectionConverters.asScala(partitions).toSeq(), new Store<>(results), classTag());
        return (List<U>) Arrays.asList(results);
    }

    @SuppressWarnings("unchecked")
    private static <X> ClassTag<X> classTag() { return (ClassTag<X>) ClassTag$.MODULE$.AnyRef(); }

    /** A function over one partition's elements, for {@link #mapPartitions}; subclasses implement {@link #call}. */
    abstract static class PartitionFunction<T, U> extends AbstractFunction1<Iterator<T>, Iterator<U>> implements Serializable {
        private static final long serialVersionUID = 1L;

        abstract java.util.Iterator<U> call(java.util.Iterator<T> partition);

        @Override public final Iterator<U> apply(Iterator<T> partition) {
            return CollectionConverters.asScala(call(CollectionConverters.asJava(partition)));
        }
    }

    private static final class ToList<T> extends AbstractFunction2<TaskContext, Iterator<T>, List<T>> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override public List<T> apply(TaskContext context, Iterator<T> partition) { return of(partition); }

        static <T> List<T> of(Iterator<T> partition) {
            List<T> out = new ArrayList<>();
            while (partition.hasNext()) out.add(partition.next());
            return out;
        }
    }

    private static final class Size<T> extends AbstractFunction2<TaskContext, Iterator<T>, Long> implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override public Long apply(TaskContext context, Iterator<T> partition) {
            long n = 0;
            for (; partition.hasNext(); partition.next()) n++;
            return n;
        }
    }

    /** Driver side: keeps partition i's result at index i (the results arrive in the order tasks finish). */
    private static final class Store<U> extends AbstractFunction2<Object, U, BoxedUnit> {
        private final Object[] results;

        Store(Object[] results) { this.results = results; }

        @Override public BoxedUnit apply(Object index, U result) {
            results[(Integer) index] = result;
            return BoxedUnit.UNIT;
        }
    }
}
