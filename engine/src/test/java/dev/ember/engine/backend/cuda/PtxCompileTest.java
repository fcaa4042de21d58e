package dev.ember.engine.backend.cuda;

import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Compiles every shipped PTX module, header lowered to {@link PtxSource#MAX_PTX_ISA}, to cubin
 * with the PTX compiler built into JCuda's natives (no GPU and no driver needed): this proves on a
 * CPU-only machine that the lowered PTX is valid and assembles for Turing, Ampere and Hopper.
 */
class PtxCompileTest {
    @TestFactory
    List<DynamicTest> everyModuleCompilesToCubin() {
        List<DynamicTest> tests = new ArrayList<>();
        if (getClass().getResource(PtxSource.RESOURCE_DIR + "adam.ptx") == null) {
            return List.of(DynamicTest.dynamicTest("PTX resources present", CudaSources::assumePtxOnClassPath));
        }
        for (String module : PtxSource.MODULES) {
            String ptx = PtxSource.load(module);
            boolean needsAmpere = PtxSource.target(ptx).equals("sm_80");
            for (String arch : needsAmpere ? List.of("sm_80", "sm_90") : List.of("sm_75", "sm_80", "sm_90")) {
                tests.add(DynamicTest.dynamicTest(module + " -> " + arch, () -> compile(module, arch)));
            }
        }
        return tests;
    }

    private static void compile(String module, String arch) {
        String original = PtxSource.load(module);
        String lowered = PtxSource.loadLowered(module);
        // Lowering touches only the header line.
        assertEquals(original.replaceFirst("(?m)^\\.version .*$", ""), lowered.replaceFirst("(?m)^\\.version .*$", ""));
        byte[] code = PtxSource.toCString(lowered);
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        JNvPTXCompiler.setExceptionsEnabled(false);
        int created = JNvPTXCompiler.nvPTXCompilerCreate(h, code.length, code);
        assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, created, "create: " + nvPTXCompileResult.stringFor(created));
        try {
            int status = JNvPTXCompiler.nvPTXCompilerCompile(h, 2, new String[] {"--gpu-name=" + arch, "--warn-on-spills"});
            String errors = log(h, true);
            assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, status,
                    module + ".ptx for " + arch + ": " + nvPTXCompileResult.stringFor(status) + "\n" + errors);
            long[] size = {0};
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(h, size);
            byte[] cubin = new byte[(int) size[0]];
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgram(h, cubin);
            assertTrue(cubin.length > 64, module + " " + arch + ": empty cubin");
            // An ELF image: 0x7f 'E' 'L' 'F'.
            assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(cubin, 4), module + " " + arch);
            String info = log(h, false);
            assertFalse(info.contains("spill"), module + " " + arch + " spills registers:\n" + info);
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(h);
        }
    }

    private static String log(nvPTXCompilerHandle h, boolean errors) {
        long[] size = {0};
        if (errors) JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(h, size);
        else JNvPTXCompiler.nvPTXCompilerGetInfoLogSize(h, size);
        if (size[0] <= 1) return "";
        byte[] text = new byte[(int) size[0]];
        if (errors) JNvPTXCompiler.nvPTXCompilerGetErrorLog(h, text);
        else JNvPTXCompiler.nvPTXCompilerGetInfoLog(h, text);
        int n = 0;
        while (n < text.length && text[n] != 0) n++;
        return new String(text, 0, n, StandardCharsets.UTF_8);
    }
}
