package dev.ember.engine.train;

import dev.ember.engine.Device;
import dev.ember.engine.MemoryScope;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.nn.Module;
import dev.ember.engine.optim.LRScheduler;
import dev.ember.engine.optim.Optimizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A fit loop, like Keras's model.fit: epochs of the five-step loop (zeroGrad, forward, loss, backward,
 * step) over batches {@code {input, target}}, validation after each epoch, metrics, callbacks, early
 * stopping and a {@link History}. Progress prints to the console unless {@code quiet()} is set.
 */
public final class Trainer {
    private final Module model;
    private final BiFunction<Tensor, Tensor, Tensor> loss;
    private final Optimizer optimizer;
    private final int epochs;
    private final List<Metric> metrics;
    private final List<Callback> callbacks;
    private final LRScheduler scheduler;
    private boolean stopRequested;

    private Trainer(Builder b) {
        this.model = b.model;
        this.loss = b.loss;
        this.optimizer = b.optimizer;
        this.epochs = b.epochs;
        this.metrics = List.copyOf(b.metrics);
        this.callbacks = new ArrayList<>(b.callbacks);
        this.scheduler = b.scheduler;
        if (!b.quiet) callbacks.add(new ProgressPrinter());
    }

    /** loss is any (output, target) -> scalar function: a Loss module's forward or an F function. */
    public static Builder builder(Module model, BiFunction<Tensor, Tensor, Tensor> loss, Optimizer optimizer) {
        return new Builder(model, loss, optimizer);
    }

    public static final class Builder {
        private final Module model;
        private final BiFunction<Tensor, Tensor, Tensor> loss;
        private final Optimizer optimizer;
        private int epochs = 1;
        private final List<Metric> metrics = new ArrayList<>();
        private final List<Callback> callbacks = new ArrayList<>();
        private boolean quiet;
        private LRScheduler scheduler;

        private Builder(Module model, BiFunction<Tensor, Tensor, Tensor> loss, Optimizer optimizer) {
            this.model = model;
            this.loss = loss;
            this.optimizer = optimizer;
        }

        public Builder epochs(int n) {
            if (n <= 0) throw new IllegalArgumentException("epochs must be positive, got " + n);
            epochs = n;
            return this;
        }
        public Builder metric(Metric m) { metrics.add(m); return this; }
        public Builder callback(Callback c) { callbacks.add(c); return this; }
        /** A learning-rate schedule stepped once after every epoch. */
        public Builder scheduler(LRScheduler s) { scheduler = s; return this; }
        /** No console output. */
        public Builder quiet() { quiet = true; return this; }
        public Trainer build() { return new Trainer(this); }
    }

    public int epochs() { return epochs; }

    public Module model() { return model; }

    /** Asks fit to end after the current epoch (used by EarlyStopping). */
    public void stop() { stopRequested = true; }

    public History fit(Iterable<Tensor[]> train) { return fit(train, null); }

    public History fit(Iterable<Tensor[]> train, Iterable<Tensor[]> validation) {
        History history = new History();
        stopRequested = false;
        callbacks.forEach(c -> c.onTrainBegin(this));
        for (int epoch = 1; epoch <= epochs && !stopRequested; epoch++) {
            final int e = epoch;
            callbacks.forEach(c -> c.onEpochBegin(e, this));
            long start = System.nanoTime();
            model.train();
            metrics.forEach(Metric::reset);
            double lossSum = 0;
            long samples = 0;
            int batch = 0;
            int batches = train instanceof dev.ember.engine.data.DataLoader<?> dl ? dl.size()
                    : train instanceof java.util.Collection<?> c ? c.size() : -1;
            Device device = model.device();
            // Device memory of each step (activations, last step's gradients) goes back as soon as the step ends.
            try (MemoryScope scope = MemoryScope.open("fit epoch " + epoch)) {
                for (Tensor[] cpuBatch : train) {
                    Tensor[] b = {cpuBatch[0].to(device), cpuBatch[1].to(device)};
                    optimizer.zeroGrad();
                    Tensor output = model.forward(b[0]);
                    Tensor l = loss.apply(output, b[1]);
                    l.backward();
                    optimizer.step();
                    int n = b[0].size(0);
                    lossSum += l.item() * n;
                    samples += n;
                    try (var g = GradMode.noGrad()) { for (Metric m : metrics) m.update(output.detach(), b[1]); }
                    scope.collect(model, optimizer);
                    batch++;
                    double running = lossSum / samples;
                    int bi = batch;
                    callbacks.forEach(c -> c.onBatchEnd(e, bi, batches, running, this));
                }
            }
            if (samples == 0) throw new IllegalStateException("fit: the training data produced no batches in epoch " + epoch);
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Double> logs = new LinkedHashMap<>();
            logs.put("loss", lossSum / samples);
            for (Metric m : metrics) logs.put(m.name(), m.compute());
            if (validation != null) logs.putAll(evaluate(validation, "val_"));
            logs.put("samples_per_s", samples / seconds);
            logs.put("seconds", seconds);
            if (scheduler != null) {
                scheduler.step();
                logs.put("lr", scheduler.getLastLr()[0]);
            }
            history.record(logs);
            callbacks.forEach(c -> c.onEpochEnd(e, logs, this));
        }
        callbacks.forEach(c -> c.onTrainEnd(history, this));
        return history;
    }

    /** Loss and metrics over data in eval mode without autograd; keys get the prefix (e.g. "val_"). */
    public Map<String, Double> evaluate(Iterable<Tensor[]> data, String prefix) {
        boolean wasTraining = model.isTraining();
        model.eval();
        metrics.forEach(Metric::reset);
        double lossSum = 0;
        long samples = 0;
        Device device = model.device();
        try (var g = GradMode.noGrad(); MemoryScope scope = MemoryScope.open("evaluate")) {
            for (Tensor[] cpuBatch : data) {
                Tensor[] b = {cpuBatch[0].to(device), cpuBatch[1].to(device)};
                Tensor output = model.forward(b[0]);
                int n = b[0].size(0);
                lossSum += loss.apply(output, b[1]).item() * n;
                samples += n;
                for (Metric m : metrics) m.update(output, b[1]);
                scope.collect(model);
            }
        } finally {
            model.train(wasTraining);
        }
        Map<String, Double> logs = new LinkedHashMap<>();
        logs.put(prefix + "loss", samples == 0 ? Double.NaN : lossSum / samples);
        for (Metric m : metrics) logs.put(prefix + m.name(), m.compute());
        return logs;
    }
}
