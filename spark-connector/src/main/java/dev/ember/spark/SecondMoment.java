package dev.ember.spark;

import java.util.Map;

/**
 * Corrects the averaged second moment of Adam-family optimizers for the workers' small batches.
 *
 * <p>Each of W workers steps on {@code batchSize / W} examples, so its second moment {@code v} tracks squared
 * gradients whose noise is W times that of the whole step's batch; averaging those {@code v}s keeps the W-fold
 * noise, and Adam's steps shrink (32 workers of 4 examples lost 1.3 points at 5 epochs, synchronous or not).
 * What one worker with the whole batch would have: per step, {@code E[g_B^2] = E[g_b^2] / W + (1 - 1/W) g^2}.
 * The round's averaged first moment gives the mean gradient {@code g = (m - b1^K m0) / (1 - b1^K)} over its K
 * steps, so the driver keeps 1/W of the round's new second-moment mass and replaces the rest by {@code g^2}:
 *
 * <pre>
 *   v = b2^K v0 + (v_avg - b2^K v0) / W + (1 - b2^K) (1 - 1/W) g^2
 * </pre>
 *
 * Measured in simulation (Fashion-MNIST MLP, 5 epochs, batch 128 over all workers, 4 local steps): 8 workers
 * 0.8793 to 0.8834, 32 workers 0.8723 to 0.8805, against 0.8852 for one worker. With one worker it is the
 * identity and is not applied.
 */
final class SecondMoment {
    private static final String FIRST = "exp_avg", SECOND = "exp_avg_sq";

    private final double beta1, beta2;
    private final int workers;

    SecondMoment(double beta1, double beta2, int workers) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.workers = workers;
    }

    /**
     * {@code averaged} with each parameter's {@code exp_avg_sq} corrected, in place (the round's average is the driver's
     * own, and a state-sized copy a round is what this saves); {@code start} is the state the round began from.
     */
    Snapshot correct(Snapshot start, Snapshot averaged, int localSteps) {
        if (workers <= 1 || localSteps <= 0) return averaged;
        Map<String, Integer> from = start.layout.offsets(), at = averaged.layout.offsets();
        double[] out = averaged.values;
        double bk1 = Math.pow(beta1, localSteps), bk2 = Math.pow(beta2, localSteps), keep = 1.0 / workers;
        for (int i = 0; i < averaged.layout.names().length; i++) {
            String name = averaged.layout.names()[i];
            if (!name.startsWith(Snapshot.OPTIM) || !name.endsWith("/" + SECOND)) continue;
            String first = name.substring(0, name.length() - SECOND.length()) + FIRST;
            Integer m = at.get(first);
            if (m == null) continue;
            int v = at.get(name), len = Snapshot.numel(averaged.layout.shapes()[i]);
            Integer m0 = from.get(first), v0 = from.get(name); // absent in the first round: zero
            dev.ember.engine.DType type = averaged.layout.dtypes()[i];
            for (int j = 0; j < len; j++) {
                double prevM = m0 == null ? 0 : start.values[m0 + j], prevV = v0 == null ? 0 : start.values[v0 + j];
                double g = (out[m + j] - bk1 * prevM) / (1 - bk1);
                double grown = out[v + j] - bk2 * prevV;
                out[v + j] = Snapshot.round(type, bk2 * prevV + grown * keep + (1 - bk2) * (1 - keep) * g * g);
            }
        }
        return averaged; // the other entries were rounded by the average
    }
}
