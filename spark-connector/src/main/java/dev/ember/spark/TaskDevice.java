package dev.ember.spark;

import dev.ember.engine.Device;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/** Picks where a Spark task computes, from the {@code device} param and the GPU Spark assigned to the task. */
final class TaskDevice {
    private TaskDevice() {}

    /** A task cannot use the device it was asked to. */
    static final class DeviceUnavailableException extends IllegalStateException {
        DeviceUnavailableException(String message) { super(message); }
    }

    /** The GPU address Spark's resource scheduling gave the running task, or null. */
    static String assignedGpu() {
        TaskContext tc = TaskContext.get();
        if (tc == null) return null;
        ResourceInformation gpu = tc.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }

    /** The engine device of a {@link #choose} answer: cuda:N for "cuda:N", else the cpu. */
    static Device device(String chosen) {
        return chosen.startsWith("cuda:") ? Device.of(chosen) : Device.CPU;
    }

    /**
     * What really ran, for the summary: "cpu", or "cuda:0 (NVIDIA H200 (sm_90))" / "cuda:0 (emulated CUDA device 0 (g++))".
     */
    static String describe(String chosen) {
        Device d = device(chosen);
        return d.isCpu() ? chosen : chosen + " (" + d.describe() + ")";
    }

    /**
     * A description of the device used, e.g. "cpu", "cuda:1" or "cpu (gpu 0 assigned; CUDA unavailable)".
     *
     * @throws DeviceUnavailableException for {@code device = "cuda"} when the task has no GPU or CUDA cannot be used
     */
    static String choose(String device) {
        String gpu = assignedGpu();
        boolean cuda = Device.isCudaAvailable();
        return switch (device) {
            case "cpu" -> "cpu";
            case "cuda" -> {
                if (gpu == null) throw new DeviceUnavailableException("device = \"cuda\", but Spark assigned this task no GPU: set spark.task.resource.gpu.amount and the executors' GPU discovery");
                if (!cuda) throw new DeviceUnavailableException("device = \"cuda\": Spark assigned GPU " + gpu + ", but CUDA is not available in this executor (no CUDA backend or driver)");
                yield "cuda:" + gpu;
            }
            default -> gpu == null ? "cpu" : cuda ? "cuda:" + gpu : "cpu (gpu " + gpu + " assigned; CUDA unavailable)";
        };
    }
}
