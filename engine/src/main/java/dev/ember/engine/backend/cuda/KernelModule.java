package dev.ember.engine.backend.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One shipped PTX module loaded into the current CUDA context ({@code cuModuleLoadData}: the
 * driver JIT-compiles it for the device), with its kernels looked up by name. Close it to unload.
 * A module belongs to the context that was current when it was loaded; make that context current
 * ({@link CudaContext#makeCurrent()}) on any thread that launches from it. Used by {@link NativeCudaDriver}.
 */
final class KernelModule implements AutoCloseable {
    private final String name;
    private final CUmodule module;
    private final List<String> entries;
    private final Map<String, CUfunction> functions = new HashMap<>();
    private boolean closed;

    private KernelModule(String name, CUmodule module, List<String> entries) {
        this.name = name;
        this.module = module;
        this.entries = entries;
    }

    /**
     * Loads module {@code name} (one of {@link PtxSource#MODULES}) with its PTX header lowered to
     * {@link PtxSource#MAX_PTX_ISA}, so drivers from CUDA 12.0 on accept it.
     */
    public static KernelModule load(String name) {
        String ptx = PtxSource.loadLowered(name);
        CUmodule module = new CUmodule();
        JCudaDriver.setExceptionsEnabled(true);
        JCudaDriver.cuModuleLoadData(module, PtxSource.toCString(ptx));
        return new KernelModule(name, module, PtxSource.entries(ptx));
    }

    /** The module's name. */
    public String name() { return name; }

    /** The kernels the module defines. */
    public List<String> entries() { return entries; }

    /** The kernel {@code kernel}, looked up once and cached. */
    public synchronized CUfunction function(String kernel) {
        if (closed) throw new IllegalStateException("module " + name + " is closed");
        return functions.computeIfAbsent(kernel, k -> {
            if (!entries.contains(k)) {
                throw new IllegalArgumentException("module " + name + " has no kernel '" + k + "'; it has " + entries);
            }
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, module, k);
            return f;
        });
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        functions.clear();
        JCudaDriver.cuModuleUnload(module);
    }
}
