package dev.ember.engine.backend.cuda;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An emulated CUDA device: Ember's unchanged kernel sources ({@code engine/src/main/cuda}) built by
 * g++ against the CPU stand-in of the CUDA execution model ({@code engine/src/test/cuda/emu}) into a
 * shared library, called through JNA. Host memory stands in for device memory and kernels get the
 * same packed parameters as {@code cuLaunchKernel}, so everything above {@link CudaDriver} runs as
 * on a GPU. It checks the host code, indexing, bounds logic and synchronization of the kernels, not
 * speed (every CUDA thread of a block is an OS thread) and not tensor-core rounding.
 *
 * <p>Chosen when the system property {@code ember.cuda.emulator} (or {@code EMBER_CUDA_EMULATOR})
 * names a library from {@link #buildLibrary}; {@code ember.cuda.emulator.devices} sets how many
 * devices it offers (default 1) and {@code ember.cuda.emulator.memoryBytes} each one's memory
 * (default 4 GiB), so out-of-memory paths can be tested. Launches run one at a time, in the
 * calling thread, and are complete when {@link #launch} returns. Needs JNA on the class path.
 */
public final class EmulatedCudaDriver implements CudaDriver {
    /** The system property naming the emulator library. */
    public static final String LIBRARY_PROPERTY = "ember.cuda.emulator";

    /** The library's C interface (emu_driver.cpp). */
    interface EmulatorLibrary extends Library {
        int ember_emu_kernel_params(String kernel);

        int ember_emu_launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz,
                             Pointer params, int count, byte[] error, int errorSize);

        void ember_emu_memcpy(long dst, long src, long bytes);
    }

    private record EmulatedKernel(String module, String name) implements Kernel {}

    private static final Map<Path, EmulatorLibrary> LIBRARIES = new ConcurrentHashMap<>();
    /** Each shipped module's kernel names, read from its PTX once rather than at every lookup. */
    private static final Map<String, List<String>> ENTRIES = new ConcurrentHashMap<>();
    /** cuda_emu.h keeps the grid in globals: one launch at a time across all emulated devices. */
    private static final Object LAUNCH_LOCK = new Object();

    private final EmulatorLibrary library;
    private final int index;
    private final long capacity;
    private final Map<Long, Long> live = new ConcurrentHashMap<>();
    private final Set<ByteBuffer> pinned = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    private long allocated;

    private EmulatedCudaDriver(EmulatorLibrary library, int index, long capacity) {
        this.library = library;
        this.index = index;
        this.capacity = capacity;
    }

    /** Opens emulated device {@code index} over the library at {@code path}. */
    public static EmulatedCudaDriver open(Path path, int index) {
        return open(path, index, Long.getLong("ember.cuda.emulator.memoryBytes", 4L << 30));
    }

    /** Opens emulated device {@code index} with {@code memoryBytes} of device memory. */
    public static EmulatedCudaDriver open(Path path, int index, long memoryBytes) {
        int count = deviceCount();
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("emulated CUDA device " + index + " does not exist; there are " + count);
        }
        EmulatorLibrary lib = LIBRARIES.computeIfAbsent(path.toAbsolutePath(), p -> Native.load(p.toString(), EmulatorLibrary.class));
        return new EmulatedCudaDriver(lib, index, memoryBytes);
    }

    /** The library named by {@link #LIBRARY_PROPERTY} or {@code EMBER_CUDA_EMULATOR}, or null. */
    public static Path configuredLibrary() {
        String path = System.getProperty(LIBRARY_PROPERTY, System.getenv("EMBER_CUDA_EMULATOR"));
        return path == null || path.isBlank() ? null : Path.of(path);
    }

    /** Emulated devices offered ({@code ember.cuda.emulator.devices}, default 1). */
    public static int deviceCount() {
        return Integer.getInteger("ember.cuda.emulator.devices", 1);
    }

    @Override public int deviceIndex() { return index; }

    @Override public String deviceName() { return "emulated CUDA device " + index + " (g++)"; }

    /** Reports sm_80, so the TF32 tensor-core GEMM runs on the emulated WMMA too. */
    @Override public int computeCapability() { return 80; }

    @Override
    public Kernel kernel(String module, String name) {
        if (!PtxSource.MODULES.contains(module)) {
            throw new IllegalArgumentException("no CUDA module '" + module + "'; modules: " + PtxSource.MODULES);
        }
        List<String> entries = ENTRIES.computeIfAbsent(module, m -> PtxSource.entries(PtxSource.load(m)));
        if (!entries.contains(name)) {
            throw new IllegalArgumentException("module " + module + " has no kernel '" + name + "'; it has " + entries);
        }
        if (library.ember_emu_kernel_params(name) < 0) {
            throw new IllegalStateException("the emulator library lacks kernel '" + name + "' of module " + module
                    + ": it was built from older sources; rebuild it with EmulatedCudaDriver.buildLibrary");
        }
        return new EmulatedKernel(module, name);
    }

    @Override
    public void launch(Kernel kernel, LaunchConfig config, KernelArgs args) {
        if (config.isEmpty()) return;
        List<byte[]> values = args.all();
        long total = 0;
        for (byte[] v : values) total += align8(v.length);
        Memory data = new Memory(Math.max(total, 8));
        Memory params = new Memory(8L * Math.max(values.size(), 1));
        long at = 0;
        for (int i = 0; i < values.size(); i++) {
            data.write(at, values.get(i), 0, values.get(i).length);
            params.setPointer(8L * i, data.share(at));
            at += align8(values.get(i).length);
        }
        byte[] error = new byte[512];
        int status;
        synchronized (LAUNCH_LOCK) {
            status = library.ember_emu_launch(kernel.name(), config.gridX(), config.gridY(), config.gridZ(),
                    config.blockX(), config.blockY(), config.blockZ(), params, values.size(), error, error.length);
        }
        // params holds only data's raw addresses: without the fence the GC may free data (JNA's cleaner) while the
        // kernel still reads its arguments from it, and a kernel given a stale pointer corrupts the native heap.
        Reference.reachabilityFence(data);
        Reference.reachabilityFence(params);
        if (status != 0) throw new IllegalArgumentException(Native.toString(error, StandardCharsets.UTF_8.name()));
    }

    /** Launches complete before {@link #launch} returns: nothing to wait for. */
    @Override public void synchronize() {}

    @Override
    public synchronized Long allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("cannot allocate " + bytes + " bytes");
        if (allocated + bytes > capacity) return null;
        long address = Native.malloc(Math.max(bytes, 1));
        if (address == 0) return null;
        live.put(address, bytes);
        allocated += bytes;
        return address;
    }

    @Override
    public synchronized void free(Long address) {
        Long bytes = live.remove(address);
        if (bytes == null) throw new IllegalArgumentException("address 0x" + Long.toHexString(address) + " was not allocated on " + deviceName());
        allocated -= bytes;
        Native.free(address);
    }

    @Override public synchronized long freeBytes() { return capacity - allocated; }

    @Override
    public ByteBuffer allocatePinned(long bytes) {
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("pinned buffer of " + bytes + " bytes is over 2 GiB");
        ByteBuffer b = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        pinned.add(b);
        return b;
    }

    @Override
    public void freePinned(ByteBuffer buffer) {
        if (!pinned.remove(buffer)) throw new IllegalArgumentException("not a pinned buffer of " + deviceName());
    }

    @Override
    public void copyToDevice(long dst, ByteBuffer src, long bytes) {
        checkHost(src, bytes);
        library.ember_emu_memcpy(dst, Pointer.nativeValue(Native.getDirectBufferPointer(src)), bytes);
    }

    @Override
    public void copyToHost(ByteBuffer dst, long src, long bytes) {
        checkHost(dst, bytes);
        library.ember_emu_memcpy(Pointer.nativeValue(Native.getDirectBufferPointer(dst)), src, bytes);
    }

    @Override
    public void copyOnDevice(long dst, long src, long bytes) {
        library.ember_emu_memcpy(dst, src, bytes);
    }

    @Override public void close() {}

    private static void checkHost(ByteBuffer b, long bytes) {
        if (!b.isDirect()) throw new IllegalArgumentException("host buffer must be direct (pinned)");
        if (bytes > b.capacity()) throw new IllegalArgumentException("copy of " + bytes + " bytes into a host buffer of " + b.capacity());
    }

    private static long align8(long n) { return (n + 7) & ~7L; }

    /**
     * Builds the emulator library from the kernel sources in {@code cudaSources}
     * ({@code engine/src/main/cuda}) and the emulator in {@code emulatorSources}
     * ({@code engine/src/test/cuda/emu}) into {@code outDir}, named by a hash of every input, and
     * returns its path; an existing library with the same hash is reused.
     *
     * @throws IllegalStateException when g++ fails or is missing, with its output
     */
    public static Path buildLibrary(Path cudaSources, Path emulatorSources, Path outDir) {
        try {
            StringBuilder kernels = new StringBuilder();
            for (String module : PtxSource.MODULES) {
                for (String k : PtxSource.entries(PtxSource.load(module))) kernels.append("EMBER_KERNEL(").append(k).append(")\n");
            }
            List<Path> inputs = new ArrayList<>();
            for (Path dir : List.of(cudaSources, emulatorSources)) {
                try (var files = Files.list(dir)) {
                    files.filter(f -> f.toString().matches(".*\\.(cu|cuh|h|cpp)$")).sorted().forEach(inputs::add);
                }
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(kernels.toString().getBytes(StandardCharsets.UTF_8));
            for (Path f : inputs) md.update(Files.readAllBytes(f));
            String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
            Files.createDirectories(outDir);
            Path lib = outDir.resolve("libember_cuda_emu-" + hash + ".so");
            if (Files.isRegularFile(lib)) return lib;

            Path build = Files.createTempDirectory(outDir, "build");
            Files.writeString(build.resolve("kernels.inc"), kernels);
            Path tmp = build.resolve("lib.so"), log = build.resolve("g++.log");
            List<String> cmd = List.of("g++", "-std=c++20", "-O1", "-DNDEBUG", "-U_FORTIFY_SOURCE", "-shared", "-fPIC", "-pthread", "-w",
                    "-I", emulatorSources.toString(), "-I", cudaSources.toString(), "-I", build.toString(),
                    emulatorSources.resolve("emu_driver.cpp").toString(), "-o", tmp.toString());
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot build the CUDA emulator: g++ did not start (" + e.getMessage() + ")");
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("building the CUDA emulator took over 10 minutes: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("building the CUDA emulator failed (g++ exit " + p.exitValue() + "):\n" + Files.readString(log));
            }
            Files.move(tmp, lib, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (var files = Files.list(build)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(build);
            return lib;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the CUDA emulator", e);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
