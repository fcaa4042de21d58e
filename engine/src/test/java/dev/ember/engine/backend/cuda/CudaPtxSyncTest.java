package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped PTX must match the kernel sources: every machine checks the source hash that
 * build-ptx.sh wrote into each PTX; a machine with the same nvcc also regenerates all PTX and
 * compares byte for byte. After editing a .cu or .cuh: run engine/src/main/cuda/build-ptx.sh.
 */
@Tag("slow") // rebuilds every kernel's PTX with nvcc
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CudaPtxSyncTest {
    private static final String FIX = "; run engine/src/main/cuda/build-ptx.sh and commit the regenerated .ptx files";

    @Test
    void shippedPtxRecordsTheHashOfItsCurrentSources() throws Exception {
        CudaSources.assumePtxOnClassPath();
        Path dir = CudaSources.dir();
        assumeTrue(dir != null, "engine/src/main/cuda not found from " + Path.of("").toAbsolutePath());
        for (String module : PtxSource.MODULES) {
            String recorded = CudaSources.header(PtxSource.load(module), "source-sha256");
            assertNotNull(recorded, module + ".ptx has no ember-source-sha256 line" + FIX);
            assertEquals(CudaSources.sourceHash(dir, module + ".cu"), recorded,
                    module + ".ptx was built from other sources than " + module + ".cu and the .cuh headers" + FIX);
        }
    }

    @Test
    void regeneratedPtxEqualsShippedPtx() throws Exception {
        CudaSources.assumePtxOnClassPath();
        Path dir = CudaSources.dir();
        assumeTrue(dir != null, "engine/src/main/cuda not found");
        String nvcc = findNvcc();
        assumeTrue(nvcc != null, "nvcc not on PATH: skipping the PTX regeneration check (the hash check still ran)");
        String version = run(List.of(nvcc, "--version"), null).lines()
                .filter(l -> l.contains("Cuda compilation tools")).findFirst().orElse("?").trim();
        String shippedVersion = PtxSource.load("tensor").lines()
                .filter(l -> l.contains("Cuda compilation tools")).findFirst().orElse("?").replace("//", "").trim();
        assumeTrue(version.equals(shippedVersion),
                "nvcc here is '" + version + "' but the shipped PTX comes from '" + shippedVersion + "': output may differ, skipping");
        Path out = Files.createTempDirectory("ember-ptx-check");
        try {
            run(List.of("bash", dir.resolve("build-ptx.sh").toString(), out.toString()), nvcc);
            List<String> differing = new ArrayList<>();
            for (String module : PtxSource.MODULES) {
                String regenerated = Files.readString(out.resolve(module + ".ptx"));
                if (!regenerated.equals(PtxSource.load(module))) differing.add(module + ".ptx");
            }
            assertTrue(differing.isEmpty(), "shipped PTX differs from what nvcc builds now: " + differing + FIX);
        } finally {
            try (var files = Files.list(out)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(out);
        }
    }

    private static String findNvcc() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.add("/usr/local/cuda/bin");
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "nvcc");
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static String run(List<String> cmd, String nvcc) throws Exception {
        Processes.Finished run = Processes.run(cmd, nvcc == null ? Map.of() : Map.of("NVCC", nvcc), Duration.ofSeconds(300));
        assertEquals(0, run.exitCode(), cmd + " failed:\n" + run.output());
        return run.output();
    }
}
