package dev.ember.engine.train;

import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.data.DataLoader;
import dev.ember.engine.data.TensorDataset;
import dev.ember.engine.nn.CrossEntropyLoss;
import dev.ember.engine.nn.Linear;
import dev.ember.engine.optim.SGD;
import dev.ember.engine.optim.StepLR;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trainer, Accuracy, EarlyStopping, History and ProgressPrinter beyond {@link FitLoopTest}, on fixed data. */
class TrainerTest {
    /** Eight hand-placed points, class 1 where x0 > 0, with a margin of 0.5 around the line x0 = 0. */
    private static Tensor[] points() {
        Tensor x = Tensor.of(new float[][]{{0.5f, 1f}, {1f, -1f}, {1.5f, 0.3f}, {2f, -0.2f}, {-0.5f, -1f}, {-1f, 1f}, {-1.5f, -0.3f}, {-2f, 0.2f}});
        return new Tensor[]{x, Tensor.tensor(1L, 1L, 1L, 1L, 0L, 0L, 0L, 0L)};
    }

    /** Linear(2, 2) with zero weights: every run starts at loss ln 2 and is deterministic. */
    private static Linear zeroModel() {
        Linear model = new Linear(2, 2);
        try (var g = GradMode.noGrad()) {
            model.weight.zero_();
            model.bias.zero_();
        }
        return model;
    }

    private static Trainer.Builder builder(Linear model, double lr) {
        return Trainer.builder(model, new CrossEntropyLoss()::forward, new SGD(model.parameters(), lr)).quiet();
    }

    @Test void fitsASeparableProblemToFullAccuracy() {
        Linear model = zeroModel();
        Tensor[] data = points();
        History h = builder(model, 0.5).epochs(15).metric(new Accuracy()).build()
                .fit(DataLoader.of(new TensorDataset(data), 8, false), List.<Tensor[]>of(data));
        assertEquals(List.of("loss", "accuracy", "val_loss", "val_accuracy", "samples_per_s", "seconds"), List.copyOf(h.asMap().keySet()));
        List<Double> loss = h.get("loss");
        assertEquals(Math.log(2), loss.get(0), 1e-6, "zero weights: both classes at probability 1/2");
        for (int e = 1; e < loss.size(); e++) assertTrue(loss.get(e) < loss.get(e - 1), "full-batch loss falls every epoch: " + loss);
        assertEquals(1.0, h.last("accuracy"));
        assertEquals(1.0, h.last("val_accuracy"));
        assertTrue(h.last("val_loss") < h.last("loss"), "validation runs after the epoch's updates");
        assertTrue(h.last("seconds") > 0 && h.last("samples_per_s") > 0);
        assertTrue(Double.isNaN(h.last("nothing")) && h.get("nothing").isEmpty());
    }

    @Test void callbacksSeeEveryEventInOrderAndTheSchedulerIsLogged() {
        Linear model = zeroModel();
        SGD sgd = new SGD(model.parameters(), 0.4);
        List<String> events = new ArrayList<>();
        Callback recorder = new Callback() {
            public void onTrainBegin(Trainer t) { events.add("begin"); }
            public void onEpochBegin(int epoch, Trainer t) { events.add("epoch " + epoch); }
            public void onBatchEnd(int epoch, int batch, int batches, double loss, Trainer t) { events.add("batch " + batch + "/" + batches); }
            public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer t) { events.add("end " + epoch + " lr " + logs.get("lr")); }
            public void onTrainEnd(History h, Trainer t) { events.add("done " + h.epochs()); }
        };
        Trainer t = Trainer.builder(model, new CrossEntropyLoss()::forward, sgd).epochs(2).callback(recorder).scheduler(new StepLR(sgd, 1, 0.5)).quiet().build();
        History h = t.fit(DataLoader.of(new TensorDataset(points()), 3, false));
        assertEquals(List.of("begin", "epoch 1", "batch 1/3", "batch 2/3", "batch 3/3", "end 1 lr 0.2",
                "epoch 2", "batch 1/3", "batch 2/3", "batch 3/3", "end 2 lr 0.1", "done 2"), events);
        assertEquals(List.of(0.2, 0.1), h.get("lr"));
        assertFalse(h.asMap().containsKey("val_loss"), "no validation data, no val_ keys");
    }

    /** A metric that reports the same value every epoch, to drive EarlyStopping. */
    private static final class Constant implements Metric {
        public String name() { return "const"; }
        public void reset() {}
        public void update(Tensor output, Tensor target) {}
        public double compute() { return 0.5; }
    }

    @Test void earlyStoppingEndsAFitAfterPatienceEpochsWithoutImprovement() {
        EarlyStopping stop = new EarlyStopping("val_const", 2, 0.0, true);
        Tensor[] data = points();
        History h = builder(zeroModel(), 0.5).epochs(20).metric(new Constant()).callback(stop).build()
                .fit(List.<Tensor[]>of(data), List.<Tensor[]>of(data));
        // Epoch 1 sets the best; epochs 2 and 3 do not improve on it; patience 2 stops after epoch 3.
        assertEquals(3, h.epochs());
        assertEquals(3, stop.stoppedEpoch());
        assertEquals(0.5, stop.best());
    }

    /** Feeds val_loss values to an EarlyStopping and returns the epoch it stopped at (or -1). */
    private static int stopsAt(EarlyStopping stop, double... values) {
        Trainer t = builder(zeroModel(), 0).build();
        stop.onTrainBegin(t);
        for (int e = 0; e < values.length && stop.stoppedEpoch() < 0; e++) stop.onEpochEnd(e + 1, Map.of("val_loss", values[e]), t);
        return stop.stoppedEpoch();
    }

    @Test void earlyStoppingRules() {
        assertEquals(-1, stopsAt(new EarlyStopping(2), 1.0, 0.9, 0.8, 0.7, 0.6), "always improving: never stops");
        assertEquals(4, stopsAt(new EarlyStopping(2), 1.0, 0.9, 0.95, 0.91, 0.5), "best 0.9 at epoch 2, then two worse epochs");
        assertEquals(2, stopsAt(new EarlyStopping(0), 1.0, 1.0), "patience 0 stops at the first epoch without improvement");
        // minDelta 0.1: 0.95 and 0.93 are improvements smaller than the delta, so they count as waiting.
        assertEquals(3, stopsAt(new EarlyStopping("val_loss", 2, 0.1, false), 1.0, 0.95, 0.93, 0.5));
        assertEquals(4, stopsAt(new EarlyStopping("val_loss", 2, 0.0, true), 0.5, 0.6, 0.6, 0.55), "maximize: 0.6 is best, then two epochs wait");
        EarlyStopping wrongKey = new EarlyStopping("val_accuracy", 1, 0, true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> stopsAt(wrongKey, 1.0));
        assertTrue(e.getMessage().contains("val_accuracy") && e.getMessage().contains("val_loss"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EarlyStopping(-1));
    }

    @Test void accuracyArgmaxAndThresholds() {
        Accuracy multi = new Accuracy();
        assertTrue(Double.isNaN(multi.compute()), "no samples yet");
        // argmax rows: 2, 0, 1, 1 against targets 2, 1, 1, 0: two right.
        multi.update(Tensor.of(new float[][]{{0f, 1f, 5f}, {3f, 2f, 1f}, {-1f, 0f, -2f}, {0.1f, 0.2f, 0.15f}}), Tensor.tensor(2L, 1L, 1L, 0L));
        assertEquals(0.5, multi.compute(), 1e-12);
        multi.update(Tensor.of(new float[][]{{1f, 0f, 0f}}), Tensor.tensor(0L));
        assertEquals(3.0 / 5, multi.compute(), 1e-12, "accumulates across batches");
        multi.reset();
        assertTrue(Double.isNaN(multi.compute()));

        // Binary logits [N, 1] at threshold 0: 0.3 > 0 and -2 < 0 right, 0.1 predicted 1 but labelled 0.
        Accuracy logits = new Accuracy();
        logits.update(Tensor.of(new float[][]{{0.3f}, {-2f}, {0.1f}}), Tensor.of(new float[][]{{1f}, {0f}, {0f}}));
        assertEquals(2.0 / 3, logits.compute(), 1e-12);
        // Probabilities at threshold 0.5: 0.5 itself is not above the threshold.
        Accuracy probs = new Accuracy(0.5);
        probs.update(Tensor.tensor(0.5f, 0.51f, 0.9f, 0.1f), Tensor.tensor(0L, 1L, 0L, 0L));
        assertEquals(0.75, probs.compute(), 1e-12);
    }

    @Test void accuracyRejectsMismatchedCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Accuracy().update(Tensor.zeros(4, 3), Tensor.tensor(0L, 1L)));
        assertTrue(e.getMessage().contains("[4, 3]") && e.getMessage().contains("[2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Accuracy().update(Tensor.zeros(1), Tensor.tensor(0L, 1L, 1L)),
                "one prediction must not be broadcast against three labels");
    }

    @Test void progressPrinterEpochLineAndLiveBar() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Linear model = zeroModel();
        builder(model, 0.1).epochs(2).callback(new ProgressPrinter(new PrintStream(buf, true), false)).build()
                .fit(DataLoader.of(new TensorDataset(points()), 4, false));
        String[] lines = buf.toString().trim().split("\n");
        assertEquals(2, lines.length, buf.toString());
        assertTrue(lines[0].startsWith("epoch 1/2  loss 0.6"), lines[0]);
        assertTrue(lines[1].matches("epoch 2/2  loss \\d\\.\\d{4}  [\\d,]+ samples/s  \\d+\\.\\d s"), lines[1]);

        ByteArrayOutputStream live = new ByteArrayOutputStream();
        ProgressPrinter bar = new ProgressPrinter(new PrintStream(live, true), true);
        Trainer t = builder(model, 0.1).epochs(3).build();
        bar.onBatchEnd(1, 4, 4, 0.25, t);
        assertTrue(live.toString().contains("epoch 1/3 [" + "=".repeat(30) + "] 4/4 loss 0.2500"), live.toString());
        // A List has a batch count; a plain Iterable has none and gets a count, no bar (this used to throw on a negative repeat).
        List<Tensor[]> two = List.of(points(), points());
        builder(model, 0.1).epochs(1).callback(new ProgressPrinter(new PrintStream(live, true), true)).build().fit(two);
        assertTrue(live.toString().contains("] 2/2 loss"), live.toString());
        Iterable<Tensor[]> unsized = two::iterator;
        builder(model, 0.1).epochs(1).callback(new ProgressPrinter(new PrintStream(live, true), true)).build().fit(unsized);
        assertTrue(live.toString().contains("epoch 1/1 1 batches loss"), live.toString());
    }

    @Test void evaluateRestoresTheModeEvenWhenTheLossFails() {
        Linear model = zeroModel();
        Trainer t = Trainer.builder(model, (out, target) -> { throw new IllegalStateException("bad loss"); }, new SGD(model.parameters(), 0.1)).quiet().build();
        model.train();
        assertThrows(IllegalStateException.class, () -> t.evaluate(List.<Tensor[]>of(points()), "val_"));
        assertTrue(model.isTraining(), "a failed evaluation leaves training mode on");

        Trainer ok = builder(model, 0.1).metric(new Accuracy()).build();
        model.eval();
        Map<String, Double> logs = ok.evaluate(List.<Tensor[]>of(points()), "test_");
        assertFalse(model.isTraining(), "eval mode stays eval");
        assertEquals(List.of("test_loss", "test_accuracy"), List.copyOf(logs.keySet()));
        assertEquals(Math.log(2), logs.get("test_loss"), 1e-6);
        assertTrue(Double.isNaN(ok.evaluate(List.of(), "v_").get("v_loss")), "no data: NaN loss");
        assertEquals(new LinkedHashMap<>(logs), ok.evaluate(List.<Tensor[]>of(points()), "test_"), "evaluate does not train");
    }

    @Test void fitWithNoBatchesAndBadEpochsAreNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder(zeroModel(), 0.1).build().fit(List.of()));
        assertTrue(e.getMessage().contains("no batches in epoch 1"), e.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> builder(zeroModel(), 0.1).epochs(0));
        assertTrue(a.getMessage().contains("got 0"), a.getMessage());
    }
}
