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
            Map.entry("elementwise", List.of("ember_neg_f32", "ember_exp_f32", "ember_log_f32", "ember_relu_f32",
                    "ember_sigmoid_f32", "ember_tanh_f32", "ember_copy_f32", "ember_add_f32", "ember_sub_f32",
                    "ember_mul_f32", "ember_div_f32", "ember_relu_backward_f32", "ember_fill_f32", "ember_axpy_f32")),
            Map.entry("reduce", List.of("ember_sum_lastdim_f32", "ember_sum_all_f32", "ember_max_lastdim_f32")),
            Map.entry("softmax", List.of("ember_softmax_lastdim_f32", "ember_log_softmax_lastdim_f32",
                    "ember_softmax_backward_f32", "ember_log_softmax_backward_f32")),
            Map.entry("index", List.of("ember_gather_f32", "ember_scatter_add_f32", "ember_index_select_f32", "ember_index_add_f32")),
            Map.entry("conv", List.of("ember_im2col_f32", "ember_col2im_f32", "ember_max_pool2d_f32", "ember_max_pool2d_backward_f32")),
            Map.entry("batchnorm", List.of("ember_batch_norm_stats_f32", "ember_batch_norm_apply_f32", "ember_batch_norm_eval_f32")),
            Map.entry("adam", List.of("ember_adam_f32")),
            Map.entry("sgemm", List.of("ember_sgemm_f32")),
            Map.entry("sgemm_tf32", List.of("ember_sgemm_tf32")),
            Map.entry("gather", List.of("ember_gather", "ember_scatter_add", "ember_index_select", "ember_index_add")),
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
        assertEquals("9.0", PtxSource.version(PtxSource.load("adam")));
        assertEquals("8.0", PtxSource.version(PtxSource.loadLowered("adam")));
    }

    @Test
    void cStringIsNulTerminated() {
        byte[] b = PtxSource.toCString("ab");
        assertArrayEquals(new byte[] {'a', 'b', 0}, b);
    }
}
