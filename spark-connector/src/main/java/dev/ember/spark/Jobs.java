package dev.ember.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
        List<List<T>> parts = run(rdd, new ToList<>());
        List<T> out = new ArrayList<>();
        for (List<T> p : parts) out.addAll(p);
        return out;
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

        @Override public List<T> apply(TaskContext context, Iterator<T> partition) {
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
