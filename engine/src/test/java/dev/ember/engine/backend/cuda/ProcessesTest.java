package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The time limit of {@link Processes#run} fires even while the process keeps its output open. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProcessesTest {
    @Test
    void aHungProcessIsKilledAtTheLimit() {
        // Without the limit the call would block for 600 s: the 30 s guard turns that into a failure.
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> Processes.run(List.of("bash", "-c", "echo started; exec sleep 600"), Map.of(), Duration.ofMillis(300))));
        // Only the header is fixed: whether "started" was written before the kill depends on the scheduler.
        assertTrue(e.getMessage().startsWith("timed out after 300 ms and killed: [bash, -c, echo started; exec sleep 600]\n"), e.getMessage());
    }

    @Test
    void aFinishedProcessGivesItsExitCodeAndOutput() throws Exception {
        Processes.Finished f = Processes.run(List.of("bash", "-c", "echo out; echo err >&2; exit 3"), Map.of("X", "y"), Duration.ofSeconds(30));
        assertEquals(3, f.exitCode());
        assertEquals("out\nerr\n", f.output());
    }
}
