package dev.ember.spark;

import dev.ember.engine.Storage;
import dev.ember.engine.Tensor;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The driver's step from one round's starting weights {@code x} to the next, given the workers'
 * weighted average {@code a}: SGD with momentum on the round's change {@code d = a - x}, as block
 * momentum (BMUF, Chen and Huo 2016) and SlowMo (Wang et al. 2020) define it:
 *
 * <pre>
 *   m = momentum * m + d
 *   x = x + lr * (momentum * m + d)    (Nesterov, the default)
 *   x = x + lr * m                     (heavy ball)
 * </pre>
 *
 * With {@code lr = 1} and {@code momentum = 0} this is plain averaging, {@code x = a}, and exactly so:
 * no arithmetic is done then. Only the model's floating-point entries take the step; the optimizer's
 * state (Adam's moments, its step count) and integer buffers are averaged plainly. The momentum buffer
 * is float64, lives on the driver, and is saved with each checkpoint.
 */
final class OuterUpdate implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Checkpoint entries of the momentum buffer: {@code outer/<model entry name>}. */
    static final String PREFIX = "outer/";

    private final double lr, momentum;
    private final boolean nesterov;
    /** Momentum per model entry, by entry name: snapshots from workers and from checkpoints may order entries differently. */
    private final Map<String, double[]> buffer = new LinkedHashMap<>();

    OuterUpdate(double lr, double momentum, boolean nesterov) {
        this.lr = lr;
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    boolean isPlainAverage() { return lr == 1 && momentum == 0; }

    /** The next round's starting state: {@code averaged} with its floating-point model entries stepped from {@code x}'s. */
    Snapshot step(Snapshot x, Snapshot averaged) {
        if (isPlainAverage()) return averaged;
        Map<String, Integer> from = x.layout.offsets();
        double[] next = averaged.values.clone();
        int at = 0;
        for (int i = 0; i < averaged.layout.names().length; i++) {
            String name = averaged.layout.names()[i];
            int len = Snapshot.numel(averaged.layout.shapes()[i]);
            if (name.startsWith(Snapshot.MODEL) && averaged.layout.dtypes()[i].isFloatingPoint()) {
                Integer xAt = from.get(name);
                if (xAt == null) throw new IllegalStateException("the workers returned model entry " + name + ", which the round did not start from");
                double[] m = buffer.computeIfAbsent(name, k -> new double[len]);
                for (int j = 0; j < len; j++) {
                    double x0 = x.values[xAt + j], d = averaged.values[at + j] - x0;
                    m[j] = momentum * m[j] + d;
                    next[at + j] = x0 + lr * (nesterov ? momentum * m[j] + d : m[j]);
                }
            }
            at += len;
        }
        return Snapshot.rounded(averaged.layout, next);
    }

    /** The momentum buffer as checkpoint entries {@code outer/<model entry>} (none before the first step or for plain averaging). */
    Map<String, Tensor> bufferEntries(Snapshot x) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int[][] shapes = x.layout.shapes();
        for (int i = 0; i < x.layout.names().length; i++) {
            double[] m = buffer.get(x.layout.names()[i]);
            if (m != null) out.put(PREFIX + x.layout.names()[i], Tensor.fromStorage(Storage.of(m.clone()), shapes[i]));
        }
        return out;
    }

    /** Restores the momentum buffer from checkpoint entries. */
    void restore(Map<String, Tensor> entries, Snapshot x) {
        buffer.clear();
        entries.forEach((k, v) -> buffer.put(k.substring(PREFIX.length()), v.toDoubleArray()));
    }
}
