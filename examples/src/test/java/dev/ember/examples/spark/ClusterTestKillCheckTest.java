package dev.ember.examples.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.examples.Jvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/cluster-test's kill check reads the driver's log: which tasks were lost with the killed executor. Spark logs
 * such a task in one of two forms (both seen in one run, the lines below): a kill that lost nothing must not count.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ClusterTestKillCheckTest {
    private static final String DRIVER_LOG = """
            10:25:08 INFO TaskSetManager: Starting task 0.0 in stage 0.0 (TID 0) (127.0.0.1,executor 1, partition 0, PROCESS_LOCAL, 10326 bytes)\s
            10:25:08 ERROR TaskSchedulerImpl: Lost executor 1 on 127.0.0.1: Command exited with code 137
            10:25:08 INFO TaskSetManager: task 0.0 in stage 0.0 (TID 0) failed because while it was being computed, its executor exited for a reason unrelated to the task. Not counting this failure towards the maximum number of failures for the task.
            10:25:08 INFO TaskSetManager: Starting task 0.1 in stage 0.0 (TID 1) (127.0.0.1,executor 0, partition 0, PROCESS_LOCAL, 10326 bytes)\s
            10:25:15 INFO TaskSetManager: Finished task 0.1 in stage 0.0 (TID 1) in 6158 ms on 127.0.0.1 (executor 0) (1/1)
            10:25:41 INFO TaskSetManager: Starting task 0.0 in stage 2.0 (TID 3) (127.0.0.1,executor 2, partition 0, PROCESS_LOCAL, 11294 bytes)\s
            10:25:59 INFO TaskSetManager: Finished task 0.0 in stage 2.0 (TID 3) in 17995 ms on 127.0.0.1 (executor 2) (2/2)
            10:25:59 INFO TaskSetManager: Starting task 0.0 in stage 3.0 (TID 6) (127.0.0.1,executor 2, partition 0, PROCESS_LOCAL, 11294 bytes)\s
            10:25:59 INFO TaskSetManager: Starting task 1.0 in stage 3.0 (TID 7) (127.0.0.1,executor 3, partition 1, PROCESS_LOCAL, 11294 bytes)\s
            10:26:10 ERROR TaskSchedulerImpl: Lost executor 2 on 127.0.0.1: Command exited with code 137
            10:26:10 WARN TaskSetManager: Lost task 0.0 in stage 3.0 (TID 6) (127.0.0.1 executor 2): ExecutorLostFailure (executor 2 exited caused by one of the running tasks) Reason: Command exited with code 137
            10:26:10 INFO TaskSetManager: Finished task 1.0 in stage 3.0 (TID 7) in 11000 ms on 127.0.0.1 (executor 3) (1/2)
            """;

    /** Runs the script's own lost_tasks function over the log above for one executor. */
    private static String lostTasks(Path work, int executor) throws Exception {
        String script = Files.readString(Jvm.ROOT.resolve("examples/cluster-test"));
        Matcher m = Pattern.compile("(?ms)^lost_tasks\\(\\) \\{.*?^}").matcher(script);
        assertTrue(m.find(), "examples/cluster-test has no lost_tasks function");
        Jvm.Finished run = Jvm.run(List.of("bash", "-c", "WORK='" + work + "'\n" + m.group() + "\nlost_tasks " + executor), null, Duration.ofSeconds(30));
        assertEquals(0, run.exitCode(), run.output());
        return run.output().strip();
    }

    @Test
    void aTaskLostEitherWayCountsAndAFinishedOneDoesNot(@TempDir Path work) throws Exception {
        Files.createDirectories(work.resolve("logs"));
        Files.writeString(work.resolve("logs/driver.log"), DRIVER_LOG);
        assertEquals("0.0 0.0", lostTasks(work, 1)); // INFO: "... failed because while it was being computed, its executor exited"
        assertEquals("0.0 3.0", lostTasks(work, 2)); // WARN: "Lost task ... (127.0.0.1 executor 2)"; its finished task 0.0 of stage 2 is not lost
        assertEquals("", lostTasks(work, 3));        // its task finished: killing it would have proved nothing
        assertEquals("", lostTasks(work, 0));
    }
}
