package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.Optimizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A round's state is converted to tensors once per executor and shared by its partitions: each gets its own copy to train. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SnapshotTest {
    private static final Tensor X = Tensor.fromStorage(Storage.of(new float[]{1, -2, 0.5f, 3, 0, -1}), new int[]{2, 3});

    private static void step(Linear model, Optimizer optimizer) {
        optimizer.zeroGrad();
        model.forward(X).sum().backward();
        optimizer.step();
    }

    @Test
    void partitionsLoadingTheSharedStateTrainTheirOwnCopies() {
        Linear trained = new Linear(3, 2);
        Optimizer adam = Adam.builder(trained.parameters()).lr(0.1).build();
        step(trained, adam); // Adam's exp_avg, exp_avg_sq and step now exist
        Snapshot state = Snapshot.of(trained, adam);
        double[] before = state.values.clone();

        // Two partitions on one executor, with fresh optimizers (a replica's first round): their state is new tensors.
        Linear a = new Linear(3, 2), b = new Linear(3, 2);
        Optimizer adamA = Adam.builder(a.parameters()).lr(0.1).build(), adamB = Adam.builder(b.parameters()).lr(0.1).build();
        state.loadSharedInto(a, adamA);
        state.loadSharedInto(b, adamB);
        step(a, adamA);

        assertArrayEquals(before, state.values, 0.0, "the broadcast state is read, never written");
        assertArrayEquals(before, Snapshot.of(b, adamB).values, 0.0, "b holds the state it loaded, whatever a did");
        assertFalse(Arrays.equals(before, Snapshot.of(a, adamA).values), "a trained");
        // A later load into a reused replica writes into its buffers and gives the state back, bit for bit.
        state.loadSharedInto(a, adamA);
        assertArrayEquals(before, Snapshot.of(a, adamA).values, 0.0);
    }

    private static Linear linear(float[] weight, float bias) {
        Linear m = new Linear(2, 1);
        m.loadStateDict(Map.of("weight", Tensor.fromStorage(Storage.of(weight), new int[]{1, 2}), "bias", Tensor.fromStorage(Storage.of(new float[]{bias}), new int[]{1})), true);
        return m;
    }

    @Test
    void aRightSiblingAddsItsWeightedStateIntoItsLeftLeafsArray() {
        RoundResult left = RoundResult.trained(0, 3, Snapshot.of(linear(new float[]{1.5f, 2}, 0.25f), null), 1.0, 3, 2, 1, "cpu", 0.5, 0.125, false);
        Snapshot.addWeighted(linear(new float[]{0.25f, -1}, 3), null, left.layout, left.values(), left.weight, 5);
        RoundResult pair = RoundResult.pairedWith(left, 1, 5, 2.0, 5, 4, 1, "cpu (gpu 0 assigned)", 0.25, 0.5, true);
        // weight, then bias: 3 * 1.5 + 5 * 0.25, 3 * 2 + 5 * -1, 3 * 0.25 + 5 * 3
        assertArrayEquals(new double[]{5.75, 1, 15.75}, pair.weightedSums(), 0.0);
        assertEquals(0, pair.start);
        assertEquals(2, pair.count);
        assertEquals(8, pair.weight);
        assertEquals(3.0, pair.lossSum);
        assertEquals(8, pair.samples);
        assertEquals(6, pair.correct);
        assertEquals(2, pair.steps);
        assertEquals(0.75, pair.trainSeconds);
        assertEquals(0.625, pair.setupSeconds);
        assertEquals(1, pair.reused);
        assertEquals(List.of("cpu", "cpu (gpu 0 assigned)"), List.copyOf(pair.devices));
    }

    @Test
    void addingIntoTheLeftLeafGivesTheSumsBitsWithOptimizerState() {
        Linear a = new Linear(3, 2), b = new Linear(3, 2);
        Optimizer adamA = Adam.builder(a.parameters()).lr(0.1).build(), adamB = Adam.builder(b.parameters()).lr(0.3).build();
        step(a, adamA);
        step(b, adamB);
        step(b, adamB); // a different step count too: the scalar entries add like the rest
        // Weights whose products round: 7 and 13 rows.
        RoundResult expected = RoundResult.sum(List.of(RoundResult.trained(0, 7, Snapshot.of(a, adamA), 0, 0, 0, 1, "cpu"),
                RoundResult.trained(1, 13, Snapshot.of(b, adamB), 0, 0, 0, 1, "cpu")));
        RoundResult left = RoundResult.trained(0, 7, Snapshot.of(a, adamA), 0, 0, 0, 1, "cpu");
        Snapshot.addWeighted(b, adamB, left.layout, left.values(), left.weight, 13);
        RoundResult pair = RoundResult.pairedWith(left, 1, 13, 0, 0, 0, 1, "cpu", 0, 0, false);
        assertArrayEquals(expected.weightedSums(), pair.weightedSums(), 0.0);
        assertEquals(expected.layout, pair.layout);
        assertEquals(20, pair.weight);
    }

    @Test
    void aPairNeedsALeftLeafWithTheSameLayout() {
        RoundResult left = RoundResult.trained(0, 3, Snapshot.of(new Linear(2, 1), null), 0, 0, 0, 1, "cpu");
        Exception e = assertThrows(IllegalStateException.class, () -> Snapshot.addWeighted(new Linear(2, 2), null, left.layout, left.values(), 3, 5));
        assertTrue(e.getMessage().startsWith("partitions returned different state layouts"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RoundResult.pairedWith(left, 2, 5, 0, 0, 0, 1, "cpu", 0, 0, false));
        assertEquals("partition 2 is not the right sibling of a trained partition 0", e.getMessage());
    }
}
