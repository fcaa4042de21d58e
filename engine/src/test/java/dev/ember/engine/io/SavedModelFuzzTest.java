package dev.ember.engine.io;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Loads seeded mutations of a saved model (see {@link SavedModelFuzzer}): every one must end in a clear error or in
 * bit-identical outputs. The quick variant runs a few hundred cases; the slow one over 10,000. Counts per mutation
 * class and outcome are printed.
 */
class SavedModelFuzzTest {
    @TempDir Path dir;

    @Test
    void quickMutationsEndInAClearErrorOrIdenticalOutputs() { run(1, 11, 300); }

    @Tag("slow")
    @Test
    void tenThousandMutationsEndInAClearErrorOrIdenticalOutputs() { run(30, 12, 10_000); }

    private void run(int scale, long seed, int atLeast) {
        Logger log = Logger.getLogger(SavedModel.class.getName());
        Level before = log.getLevel();
        log.setLevel(Level.SEVERE); // thousands of "no digests.json" warnings would bury the counts
        try {
            SavedModelFuzzer f = assertTimeoutPreemptively(Duration.ofMinutes(10), () -> {
                SavedModelFuzzer fuzz = new SavedModelFuzzer(dir, seed);
                fuzz.flips(SavedModel.WEIGHTS_FILE, 80 * scale + 40 * (scale - 1));
                fuzz.flips(SavedModel.SPEC_FILE, 40 * scale);
                fuzz.flips(FileDigests.FILE, 30 * scale);
                fuzz.truncations(40 * scale, true);
                fuzz.truncations(40 * scale, false);
                fuzz.deletions();
                fuzz.extraFiles(10 * scale);
                fuzz.swaps();
                fuzz.hostileHeaders(150 * scale);
                fuzz.headersAtTheCap();
                return fuzz;
            }, "a hang: the fuzz run did not finish in 10 minutes");
            System.out.println("SavedModel fuzz, seed " + seed + ":\n" + f.table());
            assertEquals(0, f.failures.size(), () -> f.failures.size() + " failures, the first: " + String.join("\n", f.failures.subList(0, Math.min(20, f.failures.size()))));
            assertTrue(f.total() >= atLeast, "only " + f.total() + " cases");
            // Each kind of damage must actually have been refused somewhere (a run that loads everything proves nothing).
            for (String kind : new String[]{"flip model.safetensors", "flip model.json", "truncate", "truncate, no digests", "delete", "swap same-shaped tensors"}) {
                assertTrue(f.counts.get(kind).getOrDefault(SavedModelFuzzer.Outcome.CLEAR_ERROR, 0) > 0, kind);
            }
            assertEquals(f.counts.get("extra files").values().stream().mapToInt(Integer::intValue).sum(),
                    f.counts.get("extra files").getOrDefault(SavedModelFuzzer.Outcome.IDENTICAL, 0), "extra files must not change a load");
        } finally {
            log.setLevel(before);
        }
    }
}
