package dev.ember.engine.optim;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each optimizer minimises loss = sum(c w) + 0.5 sum(w^2) (gradient c + w) from w = [1, -2, 0.5] with
 * c = [0.5, -1, 2]. Expected parameters come from PyTorch 1.13 (same loss, float64, pasted as literals) or from
 * the update formulas written out in the test.
 */
class OptimizersTest {
    private static final double[] W0 = {1.0, -2.0, 0.5}, C = {0.5, -1.0, 2.0};

    private static Parameter param(DType dtype) { return new Parameter(Tensor.of(W0, dtype)); }

    private static void backward(Tensor w) {
        Tensor c = Tensor.of(C, w.dtype());
        w.mul(c).sum().add(w.mul(w).sum().mul(0.5)).backward();
    }

    /** steps optimizer steps on the loss above; returns the final parameter values. */
    private static double[] run(Function<List<Parameter>, Optimizer> make, int steps, DType dtype) {
        Parameter w = param(dtype);
        Optimizer opt = make.apply(List.of(w));
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            backward(w);
            opt.step();
        }
        return w.toDoubleArray();
    }

    private static void pytorch(double[] expected, Function<List<Parameter>, Optimizer> make, int steps) {
        assertArrayEquals(expected, run(make, steps, DType.FLOAT64), 1e-12);
        assertArrayEquals(expected, run(make, steps, DType.FLOAT32), 2e-5);
    }

    @Test void sgdByHand() {
        // g = c + w; w -= 0.1 g three times.
        double[] w = W0.clone();
        for (int s = 0; s < 3; s++) for (int i = 0; i < 3; i++) w[i] -= 0.1 * (C[i] + w[i]);
        assertArrayEquals(new double[]{0.5935, -1.187, -0.1775}, w, 1e-12);
        pytorch(w, p -> new SGD(p, 0.1), 3);
    }

    @Test void sgdMomentumNesterovMaximize() {
        pytorch(new double[]{0.25994404568999985, -0.5198880913799997, -0.7277087189050002},
                p -> SGD.builder(p).lr(0.1).momentum(0.9).dampening(0.1).weightDecay(0.01).build(), 3);
        pytorch(new double[]{2.4262585, -4.852517, 2.8770975}, p -> SGD.builder(p).lr(0.1).momentum(0.9).nesterov(true).maximize(true).build(), 3);
        Exception e = assertThrows(IllegalArgumentException.class, () -> SGD.builder(List.of(param(DType.FLOAT32))).lr(0.1).nesterov(true).build());
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SGD.builder(List.of(param(DType.FLOAT32))).build());  // lr is required
    }

    @Test void adamFirstStepByHand() {
        // Step 1: m = (1 - b1) g, v = (1 - b2) g^2; the bias corrections make m_hat = g, v_hat = g^2, so w -= lr g / (|g| + eps).
        double[] expected = new double[3];
        for (int i = 0; i < 3; i++) {
            double g = C[i] + W0[i];
            expected[i] = W0[i] - 0.1 * g / (Math.abs(g) + 1e-8);
        }
        assertArrayEquals(expected, run(p -> new Adam(p, 0.1), 1, DType.FLOAT64), 1e-12);
    }

    @Test void adamAndAdamW() {
        pytorch(new double[]{0.7009028715453671, -1.7003815239578244, 0.20047393447308243}, p -> new Adam(p, 0.1), 3);
        pytorch(new double[]{0.701026022887273, -1.700435802171369, 0.20057057865357578},
                p -> Adam.builder(p).lr(0.1).betas(0.8, 0.9).weightDecay(0.1).amsgrad(true).build(), 3);
        pytorch(new double[]{0.6982170937646219, -1.6946961380458634, 0.19927785597248626}, p -> new AdamW(p, 0.1), 3);
        pytorch(new double[]{0.5736496715371942, -1.4303696130880246, 0.14403839919700825}, p -> AdamW.builder(p).lr(0.1).weightDecay(0.5).amsgrad(true).build(), 3);
        Exception e = assertThrows(IllegalArgumentException.class, () -> Adam.builder(List.of(param(DType.FLOAT32))).betas(1.0, 0.9).build());
        assertTrue(e.getMessage().contains("beta"), e.getMessage());
    }

    @Test void adamaxAdagradAdadelta() {
        pytorch(new double[]{0.7106038643794009, -1.7051747498921015, 0.2065630135497641}, p -> Adamax.builder(p).lr(0.1).weightDecay(0.1).build(), 3);
        pytorch(new double[]{0.8053296460369078, -1.7935253020936315, 0.29607000630389346},
                p -> Adagrad.builder(p).lr(0.1).lrDecay(0.1).initialAccumulatorValue(0.5).weightDecay(0.1).build(), 3);
        pytorch(new double[]{0.9929700777060508, -1.992967282139167, 0.492967994000943}, p -> Adadelta.builder(p).lr(1.0).rho(0.8).weightDecay(0.1).build(), 3);
    }

    @Test void rmspropAsgdRprop() {
        pytorch(new double[]{0.7768515051692546, -1.7738885724144244, 0.27446803491031657}, p -> new RMSprop(p, 0.01), 3);
        pytorch(new double[]{0.8819409321707694, -1.8814295639144236, 0.38155855762773205},
                p -> RMSprop.builder(p).lr(0.01).alpha(0.9).momentum(0.5).centered(true).weightDecay(0.1).build(), 3);
        pytorch(new double[]{0.45601954723773713, -0.9120390944754743, -0.36327332720967814},
                p -> ASGD.builder(p).lr(0.1).lambd(0.01).alpha(0.75).t0(1).weightDecay(0.1).build(), 4);
        // Rprop overshoots (sign flips) with these step sizes, exercising every branch.
        pytorch(new double[]{-0.73, 1.65, -2.35}, p -> Rprop.builder(p).lr(0.5).etas(0.4, 1.5).stepSizes(0.01, 0.8).build(), 5);
    }

    @Test void lbfgsMatchesPyTorch() {
        Parameter w = param(DType.FLOAT64);
        Tensor a = Tensor.of(new double[][]{{3, 0.5, 0}, {0.5, 2, 0.2}, {0, 0.2, 1}}, DType.FLOAT64), b = Tensor.of(new double[]{1, -1, 0.5}, DType.FLOAT64);
        LBFGS opt = LBFGS.builder(List.of(w)).lr(1).maxIter(4).historySize(2).build();
        java.util.function.Supplier<Tensor> closure = () -> {
            opt.zeroGrad();
            Tensor loss = w.dot(a.mv(w)).mul(0.5).sub(b.dot(w)).add(w.pow(4).sum().mul(0.1));
            loss.backward();
            return loss;
        };
        assertEquals(2.8812500000000005, opt.step(closure).item(), 1e-12);
        assertArrayEquals(new double[]{0.4275707378554955, -0.6207626616043815, 0.567114281321262}, w.toDoubleArray(), 1e-10);
        assertEquals(4, opt.state(w).get("func_evals"));
        assertEquals(-0.6860932744966438, opt.step(closure).item(), 1e-10);
        assertArrayEquals(new double[]{0.42559923610369305, -0.615283605137907, 0.5547621625988741}, w.toDoubleArray(), 1e-10);
        assertEquals(8, opt.state(w).get("n_iter"));
        assertThrows(IllegalStateException.class, opt::step);
    }

    @Test void sparseAdamUpdatesOnlyRowsWithGradient() {
        Parameter w = new Parameter(Tensor.of(new double[][]{{0.3, -0.7}, {0.1, 0.2}, {1.5, 2.0}}, DType.FLOAT64));
        SparseAdam opt = new SparseAdam(List.of(w), 0.1);
        double[][][] grads = {{{1.0, -0.5}, {0, 0}, {0.2, 0.3}}, {{0, 0}, {0, 0}, {1.0, -1.0}}, {{0.5, 0.5}, {0, 0}, {0.1, 0.1}}};
        for (double[][] g : grads) {
            w.setGrad(Tensor.of(g, DType.FLOAT64));
            opt.step();
        }
        // PyTorch 1.13 with the same rows given as a sparse COO gradient.
        assertArrayEquals(new double[]{0.11997592274940413, -0.6045182852021105, 0.1, 0.2, 1.2414170988445166, 1.9859774928255651}, w.toDoubleArray(), 1e-12);
    }

    /** One Adam step of a single entry: returns {m, v, p}. */
    private static double[] adam(double m, double v, double p, double g, double lr, double t) {
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        double stepSize = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
        return new double[]{m, v, p - stepSize * m / (Math.sqrt(v) + 1e-8)};
    }

    @Test void sparseAdamUpdatesLookedUpRowsEvenWithZeroGradient() {
        Parameter w = new Parameter(Tensor.of(new double[][]{{1, 2}, {3, 4}, {5, 6}}, DType.FLOAT64));
        SparseAdam opt = new SparseAdam(List.of(w), 0.1);
        long[][] lookups = {{0, 1}, {0, 2}};
        // Step 2 looks row 0 up again but multiplies it by zero: its gradient is exactly 0, yet it is in the sparse
        // gradient, so its moments decay and it moves; row 1, not looked up, keeps p, m and v.
        double[][][] weights = {{{0.5, -1}, {2, 0.25}}, {{0, 0}, {1, -2}}};
        for (int s = 0; s < 2; s++) {
            opt.zeroGrad();
            Tensor y = dev.ember.engine.nn.Embedding.embedding(Tensor.of(lookups[s]), w, null, true);
            y.mul(Tensor.of(weights[s], DType.FLOAT64)).sum().backward();
            opt.step();
        }
        // By hand from the Adam formula (betas 0.9, 0.999, eps 1e-8, lr 0.1): row 0 sees g then 0 at t = 1, 2;
        // row 1 sees g at t = 1 only; row 2 sees g at t = 2 (the step count is the table's, not the row's).
        double[] expectedW = new double[6], expectedM = new double[6], expectedV = new double[6];
        double[] w0 = {1, 2, 3, 4, 5, 6};
        for (int j = 0; j < 2; j++) {
            double[] r0 = adam(0, 0, w0[j], weights[0][0][j], 0.1, 1);
            r0 = adam(r0[0], r0[1], r0[2], 0, 0.1, 2);
            double[] r1 = adam(0, 0, w0[2 + j], weights[0][1][j], 0.1, 1);
            double[] r2 = adam(0, 0, w0[4 + j], weights[1][1][j], 0.1, 2);
            double[][] rows = {r0, r1, r2};
            for (int r = 0; r < 3; r++) {
                expectedM[2 * r + j] = rows[r][0];
                expectedV[2 * r + j] = rows[r][1];
                expectedW[2 * r + j] = rows[r][2];
            }
        }
        assertArrayEquals(expectedW, w.toDoubleArray(), 1e-14);
        assertArrayEquals(expectedM, ((Tensor) opt.state(w).get("exp_avg")).toDoubleArray(), 1e-15);
        assertArrayEquals(expectedV, ((Tensor) opt.state(w).get("exp_avg_sq")).toDoubleArray(), 1e-15);
        assertEquals(2.0, opt.state(w).get("step"));
        // PyTorch 1.13 (F.embedding(sparse=True), SparseAdam(lr=0.1), float64), pasted.
        assertArrayEquals(new double[]{0.8329942802312424, 2.167005772591189, 2.900000015811386, 3.9000001264909465, 4.9255863411749665, 6.074413670590864},
                w.toDoubleArray(), 1e-12);
        assertArrayEquals(new int[0], dev.ember.engine.nn.Embedding.SparseGrad.of(w).rows());  // consumed by the step
    }

    @Test void sparseAdamZeroGradForgetsLookedUpRows() {
        // A backward whose gradient is discarded by zeroGrad must not leave its rows to the next step.
        Parameter w = new Parameter(Tensor.of(new double[][]{{1, 2}, {3, 4}}, DType.FLOAT64));
        SparseAdam opt = new SparseAdam(List.of(w), 0.1);
        dev.ember.engine.nn.Embedding.embedding(Tensor.of(new long[]{0}), w, null, true).sum().backward();
        opt.zeroGrad();
        dev.ember.engine.nn.Embedding.embedding(Tensor.of(new long[]{1}), w, null, true).sum().backward();
        opt.step();
        double[] r = adam(0, 0, 3, 1, 0.1, 1);
        assertArrayEquals(new double[]{1, 2, r[2], adam(0, 0, 4, 1, 0.1, 1)[2]}, w.toDoubleArray(), 1e-15);
        assertArrayEquals(new double[]{0, 0, 0.1, 0.1}, ((Tensor) opt.state(w).get("exp_avg")).toDoubleArray(), 1e-15);
    }

    @Test void paramGroupsHaveTheirOwnLr() {
        Parameter a = param(DType.FLOAT64), b = param(DType.FLOAT64);
        SGD opt = SGD.builder(List.of(ParamGroup.of(List.of(a)).set("lr", 0.5), ParamGroup.of(List.of(b)))).lr(0.1).momentum(0.0).build();
        assertEquals(0.5, opt.paramGroups().get(0).lr());
        assertEquals(0.1, opt.paramGroups().get(1).lr());
        backward(a);
        backward(b);
        opt.step();
        for (int i = 0; i < 3; i++) {
            assertEquals(W0[i] - 0.5 * (C[i] + W0[i]), a.toDoubleArray()[i], 1e-12);
            assertEquals(W0[i] - 0.1 * (C[i] + W0[i]), b.toDoubleArray()[i], 1e-12);
        }
        Exception e = assertThrows(IllegalArgumentException.class, () -> opt.addParamGroup(ParamGroup.of(List.of(a))));
        assertTrue(e.getMessage().contains("more than one"), e.getMessage());
        Parameter c = param(DType.FLOAT64);
        opt.addParamGroup(ParamGroup.of(List.of(c)));
        assertEquals(0.1, opt.paramGroups().get(2).lr());
        opt.zeroGrad();
        assertNull(a.grad());
    }

    @Test void stateDictRoundTripContinuesIdentically() {
        for (DType dtype : new DType[]{DType.FLOAT32, DType.FLOAT64}) {
            Parameter w = param(dtype);
            Optimizer opt = Adam.builder(List.of(w)).lr(0.1).amsgrad(true).build();
            for (int i = 0; i < 2; i++) {
                opt.zeroGrad();
                backward(w);
                opt.step();
            }
            Map<String, Object> saved = opt.stateDict();
            @SuppressWarnings("unchecked") Map<Integer, Map<String, Object>> st = (Map<Integer, Map<String, Object>>) saved.get("state");
            assertEquals(2.0, st.get(0).get("step"));
            assertTrue(st.get(0).keySet().containsAll(List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq")));

            Parameter w2 = new Parameter(w.detach().clone());
            Optimizer opt2 = new Adam(List.of(w2), 0.5);
            opt2.loadStateDict(saved);
            assertEquals(0.1, opt2.paramGroups().get(0).lr());
            for (Parameter p : List.of(w, w2)) {
                p.zeroGrad();
                backward(p);
            }
            opt.step();
            opt2.step();
            assertArrayEquals(w.toDoubleArray(), w2.toDoubleArray(), 0.0);
        }
        // SGD's momentum buffer too, and a mismatched group is refused.
        Parameter w = param(DType.FLOAT64);
        SGD sgd = SGD.builder(List.of(w)).lr(0.1).momentum(0.9).build();
        backward(w);
        sgd.step();
        Map<String, Object> saved = sgd.stateDict();
        SGD other = SGD.builder(List.of(param(DType.FLOAT64), param(DType.FLOAT64))).lr(0.1).build();
        Exception e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(saved));
        assertTrue(e.getMessage().contains("doesn't match"), e.getMessage());
    }

    @Test void nonContiguousParameterAndFloat32FastPath() {
        // A transposed parameter is updated through a contiguous copy written back.
        Parameter w = new Parameter(Tensor.of(new float[][]{{1, 2}, {3, 4}}).t());
        Adam opt = new Adam(List.of(w), 0.1);
        w.setGrad(Tensor.ones(2, 2));
        opt.step();
        assertArrayEquals(new float[]{0.9f, 2.9f, 1.9f, 3.9f}, w.toFloatArray(), 1e-6f);

        Parameter big = new Parameter(Tensor.zeros(1 << 20));
        Adam adam = new Adam(List.of(big));
        big.setGrad(Tensor.ones(1 << 20));
        for (int i = 0; i < 10; i++) adam.step();
        // Constant gradient 1: every Adam step moves by lr * m_hat / (sqrt(v_hat) + eps) = 1e-3 * 1 / (1 + 1e-8).
        assertEquals(-0.01, big.toFloatArray()[123], 1e-6);
        assertEquals(-0.01, big.toFloatArray()[(1 << 20) - 1], 1e-6);
    }

    @Test void printsLikePyTorch() {
        String s = new SGD(List.of(param(DType.FLOAT32)), 0.1).toString();
        assertTrue(s.startsWith("SGD (\nParameter Group 0\n    lr: 0.1"), s);
    }
}
