package dev.ember.engine.nn;

import dev.ember.engine.DType;
import dev.ember.engine.Shape;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;
import dev.ember.engine.optim.Option;

import java.math.BigDecimal;

/**
 * What BatchNorm1d and BatchNorm2d share, like PyTorch's _BatchNorm: y = (x - mean) / sqrt(var + eps) * weight + bias
 * per channel (dim 1). In training the statistics are the batch's (biased variance for normalizing) and the
 * running estimates are updated, without autograd, with the unbiased variance; in eval the running estimates are used.
 * Buffers carry PyTorch's names ("running_mean", "running_var", "num_batches_tracked") so state dicts interoperate.
 */
public abstract class BatchNorm extends Module {
    /** PyTorch's defaults of the optional arguments, declared once: the subclasses' short constructors and the model spec read them. */
    public static final Option<Double> EPS = Option.real("eps", 1e-5);
    public static final Option<Double> MOMENTUM = Option.real("momentum", 0.1);
    public static final Option<Boolean> AFFINE = Option.bool("affine", true);
    public static final Option<Boolean> TRACK_RUNNING_STATS = Option.bool("track_running_stats", true);

    public final int numFeatures;
    public final double eps;
    /** Weight of the newest batch in the running averages; null means a cumulative average (PyTorch's momentum=None). */
    public final Double momentum;
    public final boolean affine, trackRunningStats;
    public Parameter weight;
    public Parameter bias;

    protected BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        if (numFeatures <= 0) throw new IllegalArgumentException(getClass().getSimpleName() + " needs a positive number of features, got " + numFeatures);
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        if (affine) {
            weight = new Parameter(Tensor.ones(numFeatures));
            bias = new Parameter(Tensor.zeros(numFeatures));
        }
        if (trackRunningStats) {
            registerBuffer("running_mean", Tensor.zeros(numFeatures));
            registerBuffer("running_var", Tensor.ones(numFeatures));
            registerBuffer("num_batches_tracked", Tensor.scalar(0, DType.INT64));
        } else {
            // Registered as absent, as PyTorch registers None: they stay out of the state dict.
            registerBuffer("running_mean", null);
            registerBuffer("running_var", null);
            registerBuffer("num_batches_tracked", null);
        }
    }

    /** Throws when the input's rank is not one this layer accepts. */
    protected abstract void checkInputDim(Tensor input);

    /** The running mean buffer, or null without trackRunningStats. */
    public Tensor runningMean() { return buffer("running_mean"); }

    public Tensor runningVar() { return buffer("running_var"); }

    public Tensor numBatchesTracked() { return buffer("num_batches_tracked"); }

    /** Running mean 0, running variance 1, no batches seen. */
    public void resetRunningStats() {
        if (!trackRunningStats) return;
        try (var g = GradMode.noGrad()) {
            runningMean().zero_();
            runningVar().fill_(1);
            numBatchesTracked().zero_();
        }
    }

    /** Resets the running statistics and sets weight to 1 and bias to 0. */
    public void resetParameters() {
        resetRunningStats();
        if (affine) {
            Init.ones_(weight);
            Init.zeros_(bias);
        }
    }

    @Override public Tensor forward(Tensor input) {
        checkInputDim(input);
        if (input.size(1) != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + "(" + numFeatures + ") expected " + numFeatures + " channels in dim 1, got input of shape "
                    + Shape.str(input.shape()));
        }
        boolean training = isTraining();
        boolean useBatchStats = training || !trackRunningStats;
        if (useBatchStats) checkBatchSize(input);
        double factor = momentum == null ? 0.0 : momentum;
        if (training && trackRunningStats) {
            Tensor count = numBatchesTracked();
            try (var g = GradMode.noGrad()) { count.add_(1); }
            if (momentum == null) factor = 1.0 / count.itemLong();
        }
        // Running statistics are updated only while training; in eval they are read (or, without tracking, unused).
        Tensor mean = !training || trackRunningStats ? runningMean() : null;
        Tensor var = !training || trackRunningStats ? runningVar() : null;
        return batchNorm(input, mean, var, weight, bias, useBatchStats, factor, eps);
    }

    /**
     * Functional batch norm over dim 1 of an [N, C, *] input (F.batchNorm). With training true it normalizes with the
     * batch statistics and, when given, updates runningMean/runningVar in place: r = (1 - momentum) r + momentum stat,
     * with the unbiased variance. With training false it normalizes with runningMean and runningVar.
     */
    public static Tensor batchNorm(Tensor input, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training, double momentum, double eps) {
        if (input.dim() < 2) throw new IllegalArgumentException("batch_norm expects an input of shape [N, C, *], got shape " + Shape.str(input.shape()));
        int c = input.size(1);
        int[] channelShape = new int[input.dim()];
        java.util.Arrays.fill(channelShape, 1);
        channelShape[1] = c;
        int[] dims = new int[input.dim() - 1];
        for (int i = 0, j = 0; i < input.dim(); i++) if (i != 1) dims[j++] = i;
        // Per-channel scale = weight / sqrt(var + eps) is formed on the small [1, C, 1...] tensors first, so the
        // full-size input is touched by as few ops as possible.
        if (training) {
            checkBatchSize(input);
            long n = (long) input.numel() / c;
            Tensor mean = input.mean(dims, true);
            Tensor centered = input.sub(mean);
            Tensor var = centered.square().mean(dims, true);
            try (var g = GradMode.noGrad()) {
                if (runningMean != null) runningMean.mul_(1 - momentum).add_(mean.detach().reshape(c).mul(momentum));
                if (runningVar != null) runningVar.mul_(1 - momentum).add_(var.detach().reshape(c).mul(momentum * n / (n - 1)));
            }
            Tensor out = centered.mul(scale(var, weight, eps, channelShape));
            return bias == null ? out : out.add(bias.reshape(channelShape));
        }
        if (runningMean == null || runningVar == null) throw new IllegalArgumentException("batch_norm in evaluation mode needs running_mean and running_var");
        checkChannels("running_mean", runningMean, c);
        checkChannels("running_var", runningVar, c);
        // Eval is affine in x: x * scale + (bias - mean * scale).
        Tensor scale = scale(runningVar.reshape(channelShape), weight, eps, channelShape);
        Tensor shift = runningMean.reshape(channelShape).mul(scale).neg();
        if (bias != null) shift = shift.add(bias.reshape(channelShape));
        return input.mul(scale).add(shift);
    }

    private static Tensor scale(Tensor var, Tensor weight, double eps, int[] channelShape) {
        Tensor invStd = var.add(eps).rsqrt();
        return weight == null ? invStd : invStd.mul(weight.reshape(channelShape));
    }

    private static void checkChannels(String name, Tensor t, int c) {
        if (t.numel() != c) throw new IllegalArgumentException(name + " should contain " + c + " elements not " + t.numel());
    }

    /** The variance of a single value per channel is undefined, so training refuses it (as PyTorch does). */
    private static void checkBatchSize(Tensor input) {
        if ((long) input.numel() / Math.max(1, input.size(1)) <= 1) {
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size " + Shape.str(input.shape()));
        }
    }

    @Override public String extraRepr() {
        return numFeatures + ", eps=" + pyFloat(eps) + ", momentum=" + (momentum == null ? "None" : pyFloat(momentum)) + ", affine=" + pyBool(affine)
                + ", track_running_stats=" + pyBool(trackRunningStats);
    }

    static String pyBool(boolean b) { return b ? "True" : "False"; }

    /** A double as Python's repr writes it: 0.1, 1.0, 1e-05, 0.0005. */
    static String pyFloat(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a == 0 || (a >= 1e-4 && a < 1e16)) {
            String s = new BigDecimal(Double.toString(v)).toPlainString();
            return s.contains(".") ? s : s + ".0";
        }
        String s = Double.toString(v);
        int e = s.indexOf('E');
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) mantissa = mantissa.substring(0, mantissa.length() - 2);
        int exp = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }

    /** A number as Python prints an argument that was given as an int when whole (beta=1), else as a float. */
    static String pyNumber(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : pyFloat(v);
    }
}
