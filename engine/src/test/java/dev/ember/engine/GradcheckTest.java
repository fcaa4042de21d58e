package dev.ember.engine;

import dev.ember.engine.OpRegistry.Op;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/** Every op in {@link OpRegistry}: analytic gradients against finite differences, and float32 against float64. */
class GradcheckTest {
    private static final long SEED = 42;

    private static void gradcheck(Op op, Tensor[] inputs) {
        if (op.eps() == 1e-6) GradCheck.check(op.fn(), inputs);
        else GradCheck.check(op.fn(), op.eps(), 1e-3, 1e-2, inputs);
    }

    @TestFactory
    Stream<DynamicTest> gradcheckContiguous() {
        return OpRegistry.OPS.stream().map(op -> dynamicTest(op.name(), () -> gradcheck(op, op.inputs(DType.FLOAT64, SEED, false))));
    }

    @TestFactory
    Stream<DynamicTest> gradcheckBroadcast() {
        return OpRegistry.OPS.stream().filter(op -> op.broadcastShapes() != null)
                .map(op -> dynamicTest(op.name(), () -> gradcheck(op, op.inputs(DType.FLOAT64, SEED, true))));
    }

    @TestFactory
    Stream<DynamicTest> gradcheckNonContiguous() {
        return OpRegistry.OPS.stream().filter(op -> !op.contiguousOnly()).map(op -> dynamicTest(op.name(), () -> {
            Tensor[] inputs = op.nonContiguousInputs(SEED);
            for (Tensor t : inputs) if (t.numel() > 1) assertFalse(t.isContiguous(), "the input should be a strided view");
            gradcheck(op, inputs);
        }));
    }

    /** The op computed in float32 agrees with float64 on the same (float32-representable) values. */
    @TestFactory
    Stream<DynamicTest> float32MatchesFloat64() {
        return OpRegistry.OPS.stream().map(op -> dynamicTest(op.name(), () -> {
            Tensor[] in32 = op.inputs(DType.FLOAT32, SEED, false);
            Tensor[] in64 = new Tensor[in32.length];
            for (int i = 0; i < in32.length; i++) in64[i] = in32[i].detach().to(DType.FLOAT64);
            try (var g = GradMode.noGrad()) {
                Tensor out32 = op.fn().apply(in32), out64 = op.fn().apply(in64);
                if (!op.name().startsWith("to ")) assertEquals(DType.FLOAT32, out32.dtype(), "float32 inputs give a float32 result");
                assertArrayEquals(out64.shape(), out32.shape());
                assertTrue(out32.allclose(out64, 1e-5, 1e-6), () -> "float32 " + out32 + " vs float64 " + out64);
            }
        }));
    }

    /** Float32 inputs get float32 gradients, and the gradient has the leaf's shape even for strided leaves. */
    @TestFactory
    Stream<DynamicTest> float32GradientsAreFloat32() {
        return OpRegistry.OPS.stream().map(op -> dynamicTest(op.name(), () -> {
            Tensor[] in = op.inputs(DType.FLOAT32, SEED, false);
            Tensor out = op.fn().apply(in);
            out.backward(out.onesLike());
            for (Tensor t : in) {
                assertEquals(DType.FLOAT32, t.grad().dtype());
                assertArrayEquals(t.shape(), t.grad().shape());
            }
        }));
    }

    @Test
    void registryCoversTheRequiredOps() {
        Set<String> names = OpRegistry.OPS.stream().map(op -> op.name().split(" ")[0]).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        for (String n : List.of("add", "sub", "mul", "div", "pow", "neg", "maximum", "minimum", "where", "exp", "log", "sqrt", "rsqrt",
                "sin", "cos", "tanh", "sigmoid", "relu", "abs", "clamp", "clampMin", "clampMax", "square", "reciprocal", "to", "clone",
                "contiguous", "sum", "mean", "var", "std", "prod", "max", "min", "amax", "logsumexp", "norm", "view", "reshape", "flatten",
                "squeeze", "unsqueeze", "transpose", "permute", "t", "expand", "narrow", "slice", "select", "cat", "stack", "split",
                "chunk", "mm", "bmm", "matmul", "mv", "dot", "outer")) {
            if (!names.contains(n)) missing.add(n);
        }
        assertTrue(missing.isEmpty(), "ops missing from the registry: " + missing);
    }

    /** The checker itself must catch a wrong derivative, or every test above proves nothing. */
    @Test
    void gradcheckCatchesAWrongGradient() {
        Tensor x = Tensor.randn(new int[]{3}, DType.FLOAT64, new Generator(1)).requiresGrad_();
        // sin(x) with its gradient replaced by that of x (detach trick: value of sin, gradient of identity).
        AssertionError e = assertThrows(AssertionError.class,
                () -> GradCheck.check(in -> in[0].sin().detach().add(in[0]).sub(in[0].detach()), x));
        assertTrue(e.getMessage().contains("Jacobian mismatch"), e.getMessage());
    }

    @Test
    void gradcheckRejectsFloat32Inputs() {
        Tensor x = Tensor.randn(3).requiresGrad_();
        assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0].exp(), x));
    }
}
