package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * Gated recurrent unit, like torch.nn.GRU; gates in PyTorch's order (reset, update, new):
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
 */
public class GRU extends RNNBase {
    public GRU(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, 1, true, false, 0, false); }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        super(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
    }

    @Override protected int stateCount() { return 1; }

    @Override protected Tensor[] cell(Tensor x, Tensor[] state, Tensor wIh, Tensor wHh, Tensor bIh, Tensor bHh) {
        Tensor h = state[0];
        Tensor[] a = affine(x, h, wIh, wHh, bIh, bHh);
        Tensor[] gi = a[0].chunk(3, 1), gh = a[1].chunk(3, 1);
        Tensor r = gi[0].add(gh[0]).sigmoid(), z = gi[1].add(gh[1]).sigmoid();
        Tensor n = gi[2].add(r.mul(gh[2])).tanh();
        return new Tensor[]{n.sub(n.mul(z)).add(z.mul(h))};
    }
}
