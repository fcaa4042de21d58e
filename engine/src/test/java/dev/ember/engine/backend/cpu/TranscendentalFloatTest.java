package dev.ember.engine.backend.cpu;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * float32 exp, log, tanh, sigmoid, sin and cos: each element within a few float ulps of the double-precision
 * result from java.lang.Math, including the edges (overflow, underflow, zeros, infinities, NaN) and a length
 * that is not a whole number of vectors. exp, tanh and sigmoid run on {@link VectorMath}'s own vector code.
 */
@org.junit.jupiter.api.Timeout(120)
class TranscendentalFloatTest {
    private static final int ULPS = 4;
    private int globalThreads;

    @BeforeEach
    void rememberThreads() { globalThreads = Parallel.numThreads(); }

    /** Thread counts are set in scopes: the tests that run after these keep the JVM's own count. */
    @AfterEach
    void threadCountIsRestored() { assertEquals(globalThreads, Parallel.numThreads(), "Parallel.numThreads() after the test"); }

    @Test
    void exp() { check("exp", Tensor::exp, Math::exp, -104, 89); }

    @Test
    void log() { check("log", Tensor::log, Math::log, 1e-30, 1e30); }

    @Test
    void tanh() { check("tanh", Tensor::tanh, Math::tanh, -20, 20); }

    @Test
    void sigmoid() { check("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), -110, 110); }

    @Test
    void sinAndCos() {
        check("sin", Tensor::sin, Math::sin, -100, 100);
        check("cos", Tensor::cos, Math::cos, -100, 100);
    }

    /**
     * The same input gives the same bits on the first (interpreted) call and after the JIT has compiled the kernels:
     * otherwise a seeded training run would depend on how warm the JVM is. (The Vector API's own EXP and TANH fail this.)
     */
    @Test
    void sameBitsBeforeAndAfterJitWarmUp() {
        try (var oneThread = Parallel.useThreads(1)) {
            sameBitsBeforeAndAfterWarmUp();
        }
    }

    private static void sameBitsBeforeAndAfterWarmUp() {
        Random rnd = new Random(5);
        float[] v = new float[4096];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 5);
        Tensor x = Tensor.of(v, DType.FLOAT32);
        float[] exp = x.exp().toFloatArray(), tanh = x.tanh().toFloatArray(), sigmoid = x.sigmoid().toFloatArray();
        for (int i = 0; i < 20_000; i++) { x.exp(); x.tanh(); x.sigmoid(); }
        assertArrayEquals(exp, x.exp().toFloatArray(), "exp");
        assertArrayEquals(tanh, x.tanh().toFloatArray(), "tanh");
        assertArrayEquals(sigmoid, x.sigmoid().toFloatArray(), "sigmoid");
    }

    /** Chunks split across threads end mid-vector; each element's bits must still not depend on the thread count. */
    @Test
    void sameBitsOnOneAndTwoThreads() {
        Random rnd = new Random(8);
        float[] v = new float[70_001]; // two chunks of 35,000 and 35,001 on 2 threads
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 5);
        Tensor x = Tensor.of(v, DType.FLOAT32);
        float[] exp, tanh, sigmoid;
        try (var oneThread = Parallel.useThreads(1)) {
            exp = x.exp().toFloatArray();
            tanh = x.tanh().toFloatArray();
            sigmoid = x.sigmoid().toFloatArray();
        }
        try (var twoThreads = Parallel.useThreads(2)) {
            assertArrayEquals(exp, x.exp().toFloatArray(), "exp");
            assertArrayEquals(tanh, x.tanh().toFloatArray(), "tanh");
            assertArrayEquals(sigmoid, x.sigmoid().toFloatArray(), "sigmoid");
        }
    }

    /** Random values in [lo, hi] (log-spaced when lo > 0), edge values, and an odd length so the tail is used. */
    private static void check(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator reference, double lo, double hi) {
        Random rnd = new Random(11);
        float[] edges = {0f, -0f, 1f, -1f, 1e-8f, -1e-8f, Float.MIN_NORMAL, 100f, -100f, 1000f, -1000f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        float[] x = new float[4099];
        for (int i = 0; i < x.length; i++) {
            if (i < edges.length) x[i] = edges[i];
            else if (lo > 0) x[i] = (float) Math.exp(Math.log(lo) + rnd.nextDouble() * (Math.log(hi) - Math.log(lo)));
            else x[i] = (float) (lo + rnd.nextDouble() * (hi - lo));
        }
        float[] y;
        try (var oneThread = Parallel.useThreads(1)) {
            y = op.apply(Tensor.of(x, DType.FLOAT32)).toFloatArray();
        }
        for (int i = 0; i < x.length; i++) {
            float expected = (float) reference.applyAsDouble(x[i]);
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(y[i]), name + "(" + x[i] + ") should be NaN, got " + y[i]);
            } else if (Float.isInfinite(expected) || expected == 0) {
                assertEquals(expected, y[i], Float.MIN_NORMAL, name + "(" + x[i] + ")");
            } else {
                float ulps = Math.abs(y[i] - expected) / Math.ulp(expected);
                assertTrue(ulps <= ULPS, name + "(" + x[i] + ") = " + y[i] + ", expected " + expected + " (" + ulps + " ulps)");
            }
        }
    }
}
