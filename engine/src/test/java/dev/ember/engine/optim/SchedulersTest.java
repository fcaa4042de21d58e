package dev.ember.engine.optim;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Learning-rate sequences from PyTorch 1.13 (lr after construction, then after each step), pasted as literals. */
class SchedulersTest {
    private static SGD sgd(double lr) { return SGD.builder(List.of(new Parameter(Tensor.zeros(1)))).lr(lr).momentum(0.9).build(); }

    /** The lr after construction and after each of n steps. */
    private static double[] sequence(Optimizer opt, LRScheduler s, int n) {
        double[] out = new double[n + 1];
        out[0] = opt.paramGroups().get(0).lr();
        for (int i = 1; i <= n; i++) {
            opt.step();
            s.step();
            out[i] = opt.paramGroups().get(0).lr();
            assertEquals(out[i], s.getLastLr()[0]);
        }
        return out;
    }

    @Test void stepLR() {
        SGD opt = sgd(0.1);
        assertArrayEquals(new double[]{0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025}, sequence(opt, new StepLR(opt, 3, 0.5), 8), 1e-15);
    }

    @Test void exponentialLR() {
        SGD opt = sgd(0.1);
        assertArrayEquals(new double[]{0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002},
                sequence(opt, new ExponentialLR(opt, 0.9), 5), 1e-15);
    }

    @Test void cosineAnnealingLR() {
        SGD opt = sgd(0.1);
        assertArrayEquals(new double[]{0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736, 0.018594235253127367, 0.01, 0.018594235253127367,
                0.04109423525312739, 0.06890576474687267, 0.09140576474687269, 0.10000000000000006, 0.09140576474687272, 0.06890576474687268},
                sequence(opt, new CosineAnnealingLR(opt, 5, 0.01), 12), 1e-13);
    }

    @Test void oneCycleCosWithSgdMomentum() {
        SGD opt = sgd(0.1);
        OneCycleLR s = new OneCycleLR(opt, 1.0, 10);
        double[] moms = new double[9];
        double[] lrs = new double[10];
        lrs[0] = opt.paramGroups().get(0).lr();
        for (int i = 0; i < 9; i++) {
            opt.step();
            s.step();
            lrs[i + 1] = opt.paramGroups().get(0).lr();
            moms[i] = opt.paramGroups().get(0).getDouble("momentum");
        }
        assertArrayEquals(new double[]{0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893, 0.38874197806371075,
                0.18825834605023697, 0.049519367986526286, 4e-06}, lrs, 1e-13);
        assertArrayEquals(new double[]{0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633, 0.8888739533021842, 0.9111260466978157,
                0.9311744900929366, 0.945048443395121, 0.95}, moms, 1e-13);
        s.step();  // step 10 = total_steps is still allowed
        Exception e = assertThrows(IllegalStateException.class, s::step);
        assertTrue(e.getMessage().contains("11") && e.getMessage().contains("10"), e.getMessage());
    }

    @Test void oneCycleLinearWithAdamBeta1() {
        Adam opt = new Adam(List.of(new Parameter(Tensor.zeros(1))), 0.1);
        OneCycleLR s = new OneCycleLR(opt, 0.5, 8, 0.25, OneCycleLR.Anneal.LINEAR, true, 0.85, 0.95, 10, 100);
        double[] lrs = new double[8], beta1 = new double[7];
        lrs[0] = opt.paramGroups().get(0).lr();
        for (int i = 0; i < 7; i++) {
            s.step();
            lrs[i + 1] = opt.paramGroups().get(0).lr();
            beta1[i] = opt.paramGroups().get(0).getPair("betas")[0];
        }
        assertArrayEquals(new double[]{0.05, 0.5, 0.41675, 0.3335, 0.25025, 0.16700000000000004, 0.08374999999999999, 0.0005000000000000004}, lrs, 1e-13);
        assertArrayEquals(new double[]{0.85, 0.8666666666666667, 0.8833333333333333, 0.8999999999999999, 0.9166666666666666, 0.9333333333333333, 0.95}, beta1, 1e-13);
        assertEquals(0.999, opt.paramGroups().get(0).getPair("betas")[1]);
    }

    /** lr and momentum (SGD's or Adam's beta1) at steps 0..steps of a scheduler on opt's only group. */
    private static double[][] lrsAndMomenta(Optimizer opt, LRScheduler s, int steps) {
        double[][] out = new double[2][steps + 1];
        for (int i = 0; i <= steps; i++) {
            if (i > 0) s.step();
            ParamGroup g = opt.paramGroups().get(0);
            out[0][i] = g.lr();
            out[1][i] = g.has("betas") ? g.getPair("betas")[0] : g.getDouble("momentum");
        }
        return out;
    }

    @Test void oneCycleThreePhaseCosAndLinear() {
        // max_lr 1, div_factor 4, final_div_factor 10: initial_lr 0.25, min_lr 0.025. total_steps 10, pct_start 0.3:
        // phases end at steps 3 - 1 = 2, 6 - 2 = 4 and 9. Up 0.25 -> 1 over [0, 2], down 1 -> 0.25 over [2, 4],
        // then 0.25 -> 0.025 over [4, 9]; momentum 0.95 -> 0.85 -> 0.95, then stays 0.95.
        double cosMid = 0.625;  // cos anneal at pct 1/2 is the plain average, as linear
        double[] cos = new double[10], lin = new double[10];
        double[] head = {0.25, cosMid, 1.0, cosMid, 0.25};
        for (int k = 0; k < 10; k++) {
            double pct = (k - 4) / 5.0;
            cos[k] = k <= 4 ? head[k] : 0.025 + (0.25 - 0.025) / 2 * (Math.cos(Math.PI * pct) + 1);
            lin[k] = k <= 4 ? head[k] : 0.25 + (0.025 - 0.25) * pct;
        }
        double[] moms = {0.95, 0.9, 0.85, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95};
        for (OneCycleLR.Anneal anneal : OneCycleLR.Anneal.values()) {
            SGD opt = SGD.builder(List.of(new Parameter(Tensor.zeros(1)))).lr(0.1).momentum(0.9).build();
            OneCycleLR s = new OneCycleLR(opt, 1.0, 10, 0.3, anneal, true, 0.85, 0.95, 4, 10, true);
            double[][] got = lrsAndMomenta(opt, s, 9);
            assertArrayEquals(anneal == OneCycleLR.Anneal.COS ? cos : lin, got[0], 1e-13, anneal.toString());
            assertArrayEquals(moms, got[1], 1e-13, anneal.toString());
        }
        // Spot check pasted from PyTorch 1.13 (three_phase=True, same options): cos lr at step 5.
        assertEquals(0.22851441186718158, cos[5], 1e-15);
    }

    @Test void oneCycleThreePhaseFractionalPhaseEnds() {
        // max_lr 0.8, div_factor 8, final_div_factor 5: initial_lr 0.1, min_lr 0.02. total_steps 7, pct_start 0.25:
        // phases end at 0.75, 1.5 and 6. Step 1 is 1/3 into phase 2 (0.8 -> 0.1); step k >= 2 is (k - 1.5) / 4.5
        // into phase 3 (0.1 -> 0.02). Adam's beta1: 0.95, then 0.85 + 0.1 / 3 at step 1, then 0.95.
        Adam opt = new Adam(List.of(new Parameter(Tensor.zeros(1))), 0.1);
        OneCycleLR s = new OneCycleLR(opt, 0.8, 7, 0.25, OneCycleLR.Anneal.LINEAR, true, 0.85, 0.95, 8, 5, true);
        double[][] got = lrsAndMomenta(opt, s, 6);
        double[] lrs = new double[7];
        lrs[0] = 0.1;
        lrs[1] = 0.8 + (0.1 - 0.8) / 3;
        for (int k = 2; k < 7; k++) lrs[k] = 0.1 + (0.02 - 0.1) * (k - 1.5) / 4.5;
        assertArrayEquals(lrs, got[0], 1e-13);
        assertArrayEquals(new double[]{0.95, 0.85 + 0.1 / 3, 0.95, 0.95, 0.95, 0.95, 0.95}, got[1], 1e-13);
        assertTrue(s.threePhase);
        // The two-phase schedule with the same options ends its first phase at 0.75 too, then goes 0.8 -> 0.02.
        Adam opt2 = new Adam(List.of(new Parameter(Tensor.zeros(1))), 0.1);
        double[][] two = lrsAndMomenta(opt2, new OneCycleLR(opt2, 0.8, 7, 0.25, OneCycleLR.Anneal.LINEAR, true, 0.85, 0.95, 8, 5), 1);
        assertEquals(0.8 + (0.02 - 0.8) * 0.25 / 5.25, two[0][1], 1e-13);
    }

    @Test void reduceLROnPlateau() {
        SGD opt = SGD.builder(List.of(new Parameter(Tensor.zeros(1)))).lr(1.0).build();
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 2, 0.1, ReduceLROnPlateau.ThresholdMode.REL, 1, 0.2);
        double[] metrics = {10, 9.5, 9.2, 9.1, 9.0, 8.0, 8.5, 8.6, 8.7, 8.8, 8.9, 9.0, 9.1, 9.2};
        double[] lrs = new double[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            s.step(metrics[i]);
            lrs[i] = opt.paramGroups().get(0).lr();
        }
        assertArrayEquals(new double[]{1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2}, lrs, 1e-15);

        SGD opt2 = SGD.builder(List.of(new Parameter(Tensor.zeros(1)))).lr(1.0).build();
        ReduceLROnPlateau max = new ReduceLROnPlateau(opt2, ReduceLROnPlateau.Mode.MAX, 0.1, 0, 0.5, ReduceLROnPlateau.ThresholdMode.ABS, 0, 0.0);
        double[] m2 = {1, 1.2, 2.0, 2.1, 2.6, 2.0}, l2 = new double[m2.length];
        for (int i = 0; i < m2.length; i++) {
            max.step(m2[i]);
            l2[i] = opt2.paramGroups().get(0).lr();
        }
        assertArrayEquals(new double[]{1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002}, l2, 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 1.5, 1, 0, ReduceLROnPlateau.ThresholdMode.REL, 0, 0.0));
    }

    @Test void schedulerStateDictRoundTrip() {
        SGD opt = sgd(0.1);
        CosineAnnealingLR s = new CosineAnnealingLR(opt, 5, 0.01);
        s.step();
        s.step();
        Map<String, Object> saved = s.stateDict();
        assertEquals(2, saved.get("last_epoch"));
        SGD opt2 = sgd(0.1);
        CosineAnnealingLR s2 = new CosineAnnealingLR(opt2, 5, 0.01);
        s2.loadStateDict(saved);
        s.step();
        s2.step();
        assertEquals(s.getLastLr()[0], s2.getLastLr()[0]);
        assertEquals(0.04109423525312736, s2.getLastLr()[0], 1e-15);
    }
}
