package dev.ember.engine.backend;

/**
 * One Adam (or AdamW) step's scalars, worked out by the optimizer: {@code m = beta1 m + (1 - beta1) g},
 * {@code v = beta2 v + (1 - beta2) g^2} (v then its running maximum under amsgrad), and
 * {@code p = p * decay - stepSize * m / (sqrt(v) / bc2Sqrt + eps)}, where g is the gradient (negated when
 * maximize) plus {@code l2 * p}.
 */
public record AdamStep(double beta1, double beta2, double eps, double stepSize, double bc2Sqrt, double decay, double l2, boolean maximize) {}
