package dev.ember.engine.train;

import java.util.Map;

/**
 * Stops training when a monitored log value has not improved by more than minDelta for {@code patience} epochs
 * in a row, like Keras's EarlyStopping (patience 2: the best epoch, two epochs without improvement, stop).
 */
public final class EarlyStopping implements Callback {
    private final String monitor;
    private final int patience;
    private final double minDelta;
    private final boolean maximize;
    private double best;
    private int wait;
    private int stoppedEpoch = -1;

    /** Monitors "val_loss" (lower is better). */
    public EarlyStopping(int patience) { this("val_loss", patience, 0.0, false); }

    public EarlyStopping(String monitor, int patience, double minDelta, boolean maximize) {
        if (patience < 0) throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        this.monitor = monitor;
        this.patience = patience;
        this.minDelta = Math.abs(minDelta);
        this.maximize = maximize;
    }

    @Override public void onTrainBegin(Trainer trainer) {
        best = maximize ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        wait = 0;
        stoppedEpoch = -1;
    }

    @Override public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        Double v = logs.get(monitor);
        if (v == null) throw new IllegalStateException("EarlyStopping monitors '" + monitor + "' but the logs only have " + logs.keySet());
        boolean improved = maximize ? v > best + minDelta : v < best - minDelta;
        if (improved) {
            best = v;
            wait = 0;
        } else if (++wait >= patience) {
            // Like Keras: patience epochs in a row without improvement end the fit.
            stoppedEpoch = epoch;
            trainer.stop();
        }
    }

    /** The epoch (1-based) at which training was stopped, or -1. */
    public int stoppedEpoch() { return stoppedEpoch; }

    public double best() { return best; }
}
