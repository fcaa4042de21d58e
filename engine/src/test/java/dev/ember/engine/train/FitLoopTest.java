package dev.ember.engine.train;

import dev.ember.engine.Tensor;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.optim.SGD;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FitLoopTest {
    /** Points with x0 > x1 are class 1, else class 0: separable by a line through the origin. */
    private static Tensor[] separable(int n) {
        Tensor x = Tensor.rand(n, 2).mul(2).sub(1);
        return new Tensor[]{x, x.select(1, 0).gt(x.select(1, 1)).toLong()};
    }

    @Test void fitLearnsASeparableProblemAndRecordsHistory() {
        Tensor.manualSeed(5);
        Tensor[] train = separable(400), val = separable(100);
        Linear model = new Linear(2, 2);
        History h = Trainer.builder(model, new CrossEntropyLoss()::forward, new SGD(model.parameters(), 0.5))
                .epochs(20).metric(new Accuracy()).quiet().build()
                .fit(DataLoader.of(new TensorDataset(train), 32, true), DataLoader.of(new TensorDataset(val), 100, false));
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy", "samples_per_s", "seconds"), List.copyOf(h.asMap().keySet()));
        assertEquals(20, h.epochs());
        assertTrue(h.get("loss").get(19) < h.get("loss").get(0) / 3, "loss falls: " + h.get("loss"));
        assertTrue(h.last("val_accuracy") >= 0.97, "val accuracy " + h.last("val_accuracy"));
        assertTrue(model.isTraining(), "fit leaves the model in training mode");
    }

    @Test void earlyStoppingStopsAfterPatience() {
        Linear model = new Linear(2, 2);
        Tensor[] data = separable(20);
        EarlyStopping stop = new EarlyStopping("val_loss", 2, 0.0, false);
        // lr 0: nothing improves after the first epoch; epochs 2 and 3 are the two without improvement, so 3 stops (Keras's rule).
        History h = Trainer.builder(model, new CrossEntropyLoss()::forward, new SGD(model.parameters(), 0.0))
                .epochs(50).callback(stop).quiet().build()
                .fit(DataLoader.of(new TensorDataset(data), 10, false), DataLoader.of(new TensorDataset(data), 10, false));
        assertEquals(3, h.epochs());
        assertEquals(3, stop.stoppedEpoch());
    }

    @Test void accuracyOnHandMadeOutputs() {
        Accuracy acc = new Accuracy();
        acc.update(Tensor.of(new float[][]{{0.1f, 0.9f}, {2f, 1f}, {0f, 3f}}), Tensor.tensor(1L, 0L, 0L));
        assertEquals(2.0 / 3, acc.compute(), 1e-12);
        Accuracy binary = new Accuracy(0.5);
        binary.update(Tensor.tensor(0.7f, 0.2f, 0.6f, 0.4f), Tensor.tensor(1f, 0f, 0f, 0f));
        assertEquals(0.75, binary.compute(), 1e-12);
    }

    @Test void progressLine() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ProgressPrinter p = new ProgressPrinter(new PrintStream(buf), false);
        Linear model = new Linear(2, 2);
        Trainer t = Trainer.builder(model, new CrossEntropyLoss()::forward, new SGD(model.parameters(), 0.1)).epochs(3).quiet().build();
        p.onEpochEnd(2, Map.of("loss", 0.5), t);
        assertEquals("epoch 2/3  loss 0.5000", buf.toString().trim());
    }

    /** evaluate runs the model in eval mode and then puts it back in the mode it found it in, training or not. */
    @Test void evaluateRunsInEvalModeAndRestoresTheMode() {
        Linear model = new Linear(2, 2);
        List<Boolean> trainingDuringLoss = new ArrayList<>();
        CrossEntropyLoss ce = new CrossEntropyLoss();
        Trainer t = Trainer.builder(model, (out, y) -> {
            trainingDuringLoss.add(model.isTraining());
            return ce.forward(out, y);
        }, new SGD(model.parameters(), 0.1)).quiet().build();

        model.train();
        t.evaluate(List.<Tensor[]>of(separable(4)), "val_");
        assertTrue(model.isTraining(), "a model in training mode is back in training mode");
        model.eval();
        t.evaluate(List.<Tensor[]>of(separable(4)), "val_");
        assertFalse(model.isTraining(), "a model in eval mode stays in eval mode");
        assertEquals(List.of(false, false), trainingDuringLoss, "the batches ran in eval mode");
    }
}
