package dev.ember.engine.backend.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** Test helper: the kernel sources in engine/src/main/cuda and the hash build-ptx.sh records. */
final class CudaSources {
    private CudaSources() {}

    /**
     * Skips the calling test when the PTX resources are not on the class path (a plain javac build
     * such as devtools/jtest compiles src/main/java only; Maven copies src/main/resources).
     */
    static void assumePtxOnClassPath() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                CudaSources.class.getResource(PtxSource.RESOURCE_DIR + PtxSource.MODULES.get(0) + ".ptx") != null,
                "PTX resources (src/main/resources) are not on the class path: run the tests through Maven");
    }

    /** engine/src/main/cuda, or null when the tests do not run from a source checkout. */
    static Path dir() {
        for (Path base : List.of(Path.of(""), Path.of(System.getProperty("basedir", ".")), Path.of("engine"))) {
            Path p = base.resolve("src/main/cuda").toAbsolutePath();
            if (Files.isRegularFile(p.resolve("build-ptx.sh"))) return p;
        }
        return null;
    }

    /** File names in {@code dir} ending in {@code suffix}, sorted by byte order (like LC_ALL=C ls). */
    static List<String> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    /** sha256 of the .cu followed by every .cuh, as build-ptx.sh computes it. */
    static String sourceHash(Path dir, String cuFile) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(dir.resolve(cuFile)));
            for (String h : list(dir, ".cuh")) md.update(Files.readAllBytes(dir.resolve(h)));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** The value of a "// ember-KEY: value" line in a shipped PTX, or null. */
    static String header(String ptx, String key) {
        for (String line : ptx.lines().limit(5).toList()) {
            String prefix = "// ember-" + key + ":";
            if (line.startsWith(prefix)) return line.substring(prefix.length()).trim();
        }
        return null;
    }
}
