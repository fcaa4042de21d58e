package dev.ember.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.reflect.ClassTag$;

/**
 * A broadcast for Spark's local mode, where every task runs in the driver's JVM: the tasks read the driver's object
 * itself, as they would from a Spark broadcast there, but the value is never serialized.
 *
 * <p>Why: a Spark broadcast always cuts its value into serialized, compressed pieces for remote executors, even in
 * local mode where there are none and tasks read the object the block manager keeps. For a round's state (2.8 MB of
 * float32 values for the Fashion-MNIST MLP with Adam's moments) that was the whole of the broadcast's cost, every round.
 * Anywhere else (a cluster, {@code local-cluster}) {@link #of} returns Spark's own broadcast.
 */
final class LocalBroadcast<T> extends Broadcast<T> {
    private static final long serialVersionUID = 1L;
    private static final AtomicLong NEXT_ID = new AtomicLong();
    private static final Map<Long, Object> VALUES = new ConcurrentHashMap<>();

    private LocalBroadcast(long id, T value) {
        super(id, anyRef());
        VALUES.put(id, value);
    }

    @SuppressWarnings("unchecked")
    private static <T> scala.reflect.ClassTag<T> anyRef() { return (scala.reflect.ClassTag<T>) (Object) ClassTag$.MODULE$.AnyRef(); }

    /** {@code value} for the tasks of {@code jsc}: held in this JVM in local mode, else broadcast by Spark. */
    static <T> Broadcast<T> of(JavaSparkContext jsc, T value) {
        return jsc.sc().isLocal() ? new LocalBroadcast<>(NEXT_ID.getAndIncrement(), value) : jsc.broadcast(value);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T getValue() {
        Object value = VALUES.get(id());
        if (value == null) throw new IllegalStateException("local broadcast " + id() + " was read after it was destroyed, or outside the driver's JVM");
        return (T) value;
    }

    @Override public void doUnpersist(boolean blocking) {} // nothing is cached beyond the driver's own object

    @Override public void doDestroy(boolean blocking) { VALUES.remove(id()); }

    /** How many values are held: for tests. */
    static int held() { return VALUES.size(); }
}
