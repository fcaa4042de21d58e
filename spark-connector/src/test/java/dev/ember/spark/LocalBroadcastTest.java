package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** In local mode a round's input reaches its tasks as the driver's own object, never serialized. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LocalBroadcastTest {
    /** Whether each task sees the very object the driver holds, and a value read through it. */
    static final class SeesDriversObject extends Jobs.PartitionFunction<Integer, String> {
        static volatile int[] driversObject;
        private final Broadcast<int[]> input;

        SeesDriversObject(Broadcast<int[]> input) { this.input = input; }

        @Override Iterator<String> call(Iterator<Integer> partition) {
            int[] seen = input.value();
            return List.of((seen == driversObject) + " " + seen[partition.next()]).iterator();
        }
    }

    @Test
    void localTasksReadTheDriversObjectUntilItIsDestroyed() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext()); // local[2]
        int[] values = {10, 20, 30};
        SeesDriversObject.driversObject = values;
        int before = LocalBroadcast.held();
        Broadcast<int[]> input = LocalBroadcast.of(jsc, values);
        assertInstanceOf(LocalBroadcast.class, input);
        assertEquals(before + 1, LocalBroadcast.held());

        List<String> seen = Jobs.collect(Jobs.mapPartitions(jsc.parallelize(List.of(0, 1, 2), 3).rdd(), new SeesDriversObject(input)));
        assertEquals(List.of("true 10", "true 20", "true 30"), seen); // the tasks' copies of the function still found the same array

        input.destroy(false);
        assertEquals(before, LocalBroadcast.held(), "destroy lets the value go");
        assertFalse(input.isValid());
        IllegalStateException gone = assertThrows(IllegalStateException.class, input::getValue);
        assertTrue(gone.getMessage().contains("after it was destroyed"), gone.getMessage());
    }
}
