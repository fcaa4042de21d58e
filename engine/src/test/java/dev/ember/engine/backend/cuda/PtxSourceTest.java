package dev.ember.engine.backend.cuda;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PtxSourceTest {
    /** The kernels the host side relies on, per module. */
    static final Map<String, List<String>> EXPECTED_KERNELS = Map.ofEntries(
            Map.entry("sgemm", List.of("ember_sgemm_f32")),
            Map.entry("sgemm_tf32", List.of("ember_sgemm_tf32")),
            Map.entry("nn", List.of("ember_rows_select", "ember_rows_put", "ember_im2col", "ember_col2im", "ember_conv_bias",
                    "ember_max_pool2d", "ember_max_pool2d_backward", "ember_max_pool2d_gather", "ember_window_sum",
                    "ember_window_spread", "ember_adam_step")),
            Map.entry("tensor", List.of("ember_copy", "ember_fill", "ember_unary", "ember_binary", "ember_where",
                    "ember_reduce", "ember_arg_reduce", "ember_dgemm")));

    @Test
    void everyModuleShipsItsKernelsForTheBaselineArchitecture() {
        CudaSources.assumePtxOnClassPath();
        assertEquals(EXPECTED_KERNELS.keySet(), new java.util.HashSet<>(PtxSource.MODULES));
        for (String module : PtxSource.MODULES) {
            String ptx = PtxSource.load(module);
            assertEquals(EXPECTED_KERNELS.get(module).stream().sorted().toList(),
                    PtxSource.entries(ptx).stream().sorted().toList(), module);
            assertEquals(module.equals("sgemm_tf32") ? "sm_80" : "sm_75", PtxSource.target(ptx), module);
        }
    }

    @Test
    void everySourceHasAShippedModuleAndBack() throws Exception {
        Path dir = CudaSources.dir();
        assumeTrue(dir != null, "engine/src/main/cuda not found from " + Path.of("").toAbsolutePath());
        List<String> sources = CudaSources.list(dir, ".cu").stream().map(n -> n.substring(0, n.length() - 3)).toList();
        assertEquals(PtxSource.MODULES, sources, "PtxSource.MODULES must list every .cu in " + dir);
    }

    @Test
    void lowersOnlyNewerVersionHeaders() {
        String ptx = "// c\n.version 9.0\n.target sm_75\n.address_size 64\n";
        String low = PtxSource.lowered(ptx, "8.0");
        assertEquals("// c\n.version 8.0\n.target sm_75\n.address_size 64\n", low);
        assertEquals("8.0", PtxSource.version(low));
        String old = ".version 7.8\n.target sm_75\n";
        assertSame(old, PtxSource.lowered(old, "8.0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PtxSource.lowered(".target sm_75\n", "8.0"));
        assertTrue(e.getMessage().contains(".version"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PtxSource.load("nope"));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void shippedModulesComeFromNvcc13AndLowerTo80() {
        CudaSources.assumePtxOnClassPath();
        assertEquals("9.0", PtxSource.version(PtxSource.load("tensor")));
        assertEquals("8.0", PtxSource.version(PtxSource.loadLowered("tensor")));
    }

    @Test
    void cStringIsNulTerminated() {
        byte[] b = PtxSource.toCString("ab");
        assertArrayEquals(new byte[] {'a', 'b', 0}, b);
    }
}
