/**
 * The CUDA backend, built on JCuda's driver API and Ember's own kernels.
 *
 * <p>Kernels are CUDA C sources in {@code engine/src/main/cuda}, compiled by
 * {@code build-ptx.sh} to PTX that ships as resources of this package ({@link PtxSource}). At run
 * time {@link KernelModule} hands the PTX to the driver, which JIT-compiles it for the GPU at
 * hand, so no CUDA toolkit and no cuBLAS is needed: only {@code libcuda.so.1}. {@link CudaProbe}
 * finds out once whether a driver and a device are there and why not; {@link CachingAllocator}
 * keeps freed device blocks for reuse, so training loops hold flat memory; {@link LaunchConfig}
 * and {@link CudaTensorDesc} prepare kernel launches.
 *
 * <p>The tensor ops do not dispatch here yet; this package is the verified foundation for that.
 */
package dev.ember.engine.backend.cuda;
