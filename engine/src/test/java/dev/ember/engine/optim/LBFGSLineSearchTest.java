package dev.ember.engine.optim;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LBFGS's strong-Wolfe line search: the cubic step, the Wolfe conditions on 1-D functions, and Rosenbrock. */
class LBFGSLineSearchTest {
    /** A 1-D objective f with derivative df searched along d = +1 from 0. */
    private static LBFGS.Probe search(DoubleUnaryOperator f, DoubleUnaryOperator df, double t0, int[] evals) {
        LBFGS.Probe start = new LBFGS.Probe(0, f.applyAsDouble(0), new double[]{df.applyAsDouble(0)}, df.applyAsDouble(0));
        return LBFGS.strongWolfe(a -> {
            evals[0]++;
            double g = df.applyAsDouble(a);
            return new LBFGS.Probe(a, f.applyAsDouble(a), new double[]{g}, g);
        }, start, t0, 1e-12);
    }

    private static void assertStrongWolfe(DoubleUnaryOperator f, DoubleUnaryOperator df, LBFGS.Probe p) {
        double f0 = f.applyAsDouble(0), g0 = df.applyAsDouble(0);
        assertTrue(p.t() > 0, "step " + p.t());
        assertEquals(f.applyAsDouble(p.t()), p.loss(), 0);
        assertTrue(p.loss() <= f0 + LBFGS.WOLFE_C1 * p.t() * g0, "sufficient decrease fails at t=" + p.t());
        assertTrue(Math.abs(p.slope()) <= LBFGS.WOLFE_C2 * Math.abs(g0), "curvature fails at t=" + p.t() + ", slope " + p.slope());
    }

    @Test void cubicMinimizerOfAnExactCubic() {
        // f(x) = x^3 - 3x, f'(x) = 3x^2 - 3: local minimum at x = 1; the cubic through any two points is f itself.
        assertEquals(1.0, LBFGS.cubicMinimizer(0, 0, -3, 2, 2, 9), 1e-12);
        assertEquals(1.0, LBFGS.cubicMinimizer(2, 2, 9, 0, 0, -3), 1e-12);
        assertEquals(1.0, LBFGS.cubicMinimizer(-0.5, 1.375, -2.25, 3, 18, 24), 1e-12);
        // f(x) = (x - 3)^2 (a cubic with zero x^3 term): minimum at 3, from points on either side or one side.
        assertEquals(3.0, LBFGS.cubicMinimizer(0, 9, -6, 10, 49, 14), 1e-12);
        assertEquals(3.0, LBFGS.cubicMinimizer(0, 9, -6, 0.1, 8.41, -5.8), 1e-9);  // 8.41 is rounded
        // f(x) = -x^3 + 3x has its local minimum at -1.
        assertEquals(-1.0, LBFGS.cubicMinimizer(-2, 2, -9, 0.5, 1.375, 2.25), 1e-12);
        // f(x) = x^3 + x: no critical point, so no minimum.
        assertTrue(Double.isNaN(LBFGS.cubicMinimizer(0, 0, 1, 1, 2, 4)));
    }

    @Test void quadraticZoomHitsTheExactMinimizer() {
        // f(t) = (t - 3)^2 from t0 = 10: f(10) = 49 > f(0) = 9 brackets [0, 10]; the cubic through (0, 9, -6) and
        // (10, 49, 14) is the quadratic itself, so the first zoom trial is t = 3 exactly, where f' = 0.
        DoubleUnaryOperator f = t -> (t - 3) * (t - 3), df = t -> 2 * (t - 3);
        int[] evals = {0};
        LBFGS.Probe p = search(f, df, 10, evals);
        assertEquals(3.0, p.t(), 1e-12);
        assertEquals(2, evals[0]);
        assertStrongWolfe(f, df, p);
        // From t0 = 0.1 the slope -5.8 is still steeper than 0.9 * 6 = 5.4: extrapolation is clamped to
        // 0.1 + 10 * 0.1 = 1.1 (the cubic asks for 3), where |f'| = 3.8 <= 5.4 and f = 3.61 <= 9 - 1e-4 * 1.1 * 6.
        evals[0] = 0;
        p = search(f, df, 0.1, evals);
        assertEquals(1.1, p.t(), 1e-12);
        assertEquals(2, evals[0]);
        assertStrongWolfe(f, df, p);
        // An initial step that already satisfies both conditions is taken as is.
        evals[0] = 0;
        assertEquals(2.0, search(f, df, 2.0, evals).t(), 0);
        assertEquals(1, evals[0]);
    }

    @Test void acceptedStepsSatisfyStrongWolfe() {
        // f: steep at 0 (f'(0) = -33), flat around its minimum at 2 + 4^(-1/3); g: minimum at ln 5.
        DoubleUnaryOperator f = t -> Math.pow(t - 2, 4) - t, df = t -> 4 * Math.pow(t - 2, 3) - 1;
        DoubleUnaryOperator g = t -> Math.exp(t) - 5 * t, dg = t -> Math.exp(t) - 5;  // minimum at ln 5
        for (double t0 : new double[]{1e-3, 0.05, 0.7, 1, 3, 40}) {
            assertStrongWolfe(f, df, search(f, df, t0, new int[1]));
            assertStrongWolfe(g, dg, search(g, dg, t0, new int[1]));
        }
    }

    @Test void nanLossCountsAsTooFar() {
        // f(t) = (t - 1)^2, but NaN beyond t = 4 (as an overflow would give): from t0 = 8 the search must come back.
        DoubleUnaryOperator f = t -> t > 4 ? Double.NaN : (t - 1) * (t - 1), df = t -> t > 4 ? Double.NaN : 2 * (t - 1);
        LBFGS.Probe p = search(f, df, 8, new int[1]);
        assertStrongWolfe(f, df, p);
    }

    private static double rosenbrock(Parameter x) {
        double a = x.toDoubleArray()[0], b = x.toDoubleArray()[1];
        return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
    }

    private static Supplier<Tensor> rosenbrockClosure(Parameter x, Optimizer opt) {
        return () -> {
            opt.zeroGrad();
            Tensor a = x.select(0, 0), b = x.select(0, 1);
            Tensor loss = a.neg().add(1).pow(2).add(b.sub(a.pow(2)).pow(2).mul(100));
            loss.backward();
            return loss;
        };
    }

    @Test void rosenbrockConvergesWithStrongWolfe() {
        // One LBFGS iteration per step, lr 1, from (-1.5, 2). Expected points and evaluation counts after 10, 20,
        // 30, 40 steps are from PyTorch 1.13 (float64, line_search_fn="strong_wolfe", max_iter=1).
        double[][] expected = {{-1.0768265614154306, 1.1112274823448027}, {0.03051873033839468, -0.024366010727017322},
                {0.8186212087342213, 0.6616560331714806}, {0.9999979943196414, 0.9999973438921667}};
        int[] evals = {21, 45, 68, 90};
        Parameter x = new Parameter(Tensor.of(new double[]{-1.5, 2}, DType.FLOAT64));
        LBFGS opt = LBFGS.builder(List.of(x)).lr(1).maxIter(1).lineSearchFn("strong_wolfe").build();
        Supplier<Tensor> closure = rosenbrockClosure(x, opt);
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 10; i++) opt.step(closure);
            assertArrayEquals(expected[k], x.toDoubleArray(), 1e-9, "after " + (k + 1) * 10 + " steps");
            assertEquals(evals[k], opt.state(x).get("func_evals"));
        }
        assertEquals(1.8769270123133716e-10, rosenbrock(x), 1e-15);
        // Without a line search the same 40 steps are still far off (PyTorch: loss 0.84 at (0.083, 0.005)).
        Parameter y = new Parameter(Tensor.of(new double[]{-1.5, 2}, DType.FLOAT64));
        LBFGS plain = LBFGS.builder(List.of(y)).lr(1).maxIter(1).build();
        Supplier<Tensor> plainClosure = rosenbrockClosure(y, plain);
        for (int i = 0; i < 40; i++) plain.step(plainClosure);
        assertEquals(0.8411684492576647, rosenbrock(y), 1e-9);
    }

    @Test void defaultMaxIterConvergesInAFewSteps() {
        // PyTorch 1.13 (float64, max_iter=20, strong Wolfe): points and func_evals after steps 1, 2, 3.
        double[][] expected = {{-0.08511855589862088, -0.028757058413776328}, {0.9995835472530445, 0.9991550319579069},
                {0.9999979943196414, 0.9999973438921667}};
        int[] evals = {25, 50, 53};
        Parameter x = new Parameter(Tensor.of(new double[]{-1.5, 2}, DType.FLOAT64));
        LBFGS opt = LBFGS.builder(List.of(x)).lr(1).lineSearchFn("strong_wolfe").build();
        Supplier<Tensor> closure = rosenbrockClosure(x, opt);
        for (int k = 0; k < 3; k++) {
            opt.step(closure);
            assertArrayEquals(expected[k], x.toDoubleArray(), 1e-9, "after step " + (k + 1));
            assertEquals(evals[k], opt.state(x).get("func_evals"));
        }
    }

    @Test void unknownLineSearchIsRejected() {
        Parameter x = new Parameter(Tensor.of(new double[]{1, 2}, DType.FLOAT64));
        Exception e = assertThrows(IllegalArgumentException.class, () -> LBFGS.builder(List.of(x)).lineSearchFn("backtracking").build());
        assertTrue(e.getMessage().contains("'backtracking'"), e.getMessage());
    }
}
