package dev.ember.engine.nn;

import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradMode;

/** Weight initializations of torch.nn.init; each fills the tensor in place (without autograd) and returns it. */
public final class Init {
    private Init() {}

    /** fan_in and fan_out as PyTorch computes them: dims 1 and 0 times the receptive field (dims 2+). */
    public static int[] fans(Tensor t) {
        if (t.dim() < 2) throw new IllegalArgumentException("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, got shape " + dev.ember.engine.Shape.str(t.shape()));
        int receptive = 1;
        for (int d = 2; d < t.dim(); d++) receptive *= t.size(d);
        return new int[]{t.size(1) * receptive, t.size(0) * receptive};
    }

    /** The recommended gain for a nonlinearity: relu sqrt(2), tanh 5/3, leaky_relu sqrt(2/(1+a^2)), linear/sigmoid 1, selu 3/4. */
    public static double calculateGain(String nonlinearity, double param) {
        return switch (nonlinearity) {
            case "linear", "conv1d", "conv2d", "sigmoid", "identity" -> 1.0;
            case "tanh" -> 5.0 / 3;
            case "relu" -> Math.sqrt(2.0);
            case "leaky_relu" -> Math.sqrt(2.0 / (1 + param * param));
            case "selu" -> 0.75;
            default -> throw new IllegalArgumentException("unsupported nonlinearity " + nonlinearity);
        };
    }

    public static Tensor uniform_(Tensor t, double a, double b) { return uniform_(t, a, b, Generator.defaultGenerator()); }

    public static Tensor uniform_(Tensor t, double a, double b, Generator g) {
        try (var m = GradMode.noGrad()) { return t.uniform_(a, b, g); }
    }

    public static Tensor normal_(Tensor t, double mean, double std) {
        try (var m = GradMode.noGrad()) { return t.normal_(mean, std, Generator.defaultGenerator()); }
    }

    public static Tensor constant_(Tensor t, double value) {
        try (var m = GradMode.noGrad()) { return t.fill_(value); }
    }

    public static Tensor zeros_(Tensor t) { return constant_(t, 0); }

    public static Tensor ones_(Tensor t) { return constant_(t, 1); }

    /** U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)). */
    public static Tensor xavierUniform_(Tensor t, double gain) {
        int[] f = fans(t);
        double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
        return uniform_(t, -a, a);
    }

    /** N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)). */
    public static Tensor xavierNormal_(Tensor t, double gain) {
        int[] f = fans(t);
        return normal_(t, 0, gain * Math.sqrt(2.0 / (f[0] + f[1])));
    }

    /** U(-b, b) with b = gain(leaky_relu, a) * sqrt(3 / fan_in) (mode fan_in, as PyTorch's default). */
    public static Tensor kaimingUniform_(Tensor t, double a) {
        double bound = calculateGain("leaky_relu", a) * Math.sqrt(3.0 / fans(t)[0]);
        return uniform_(t, -bound, bound);
    }

    /** N(0, std^2) with std = gain(leaky_relu, a) / sqrt(fan_in). */
    public static Tensor kaimingNormal_(Tensor t, double a) {
        return normal_(t, 0, calculateGain("leaky_relu", a) / Math.sqrt(fans(t)[0]));
    }
}
