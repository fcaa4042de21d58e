package dev.ember.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.optim.Adam;
import dev.ember.engine.optim.Optimizer;
import java.util.Arrays;
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
}
