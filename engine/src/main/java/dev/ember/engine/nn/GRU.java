package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * Gated recurrent unit, like torch.nn.GRU; gates in PyTorch's order (reset, update, new):
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
 */
public class GRU extends RNNBase {
    public GRU(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, NUM_LAYERS.defaultValue(), BIAS.defaultValue(), BATCH_FIRST.defaultValue(), DROPOUT.defaultValue(),
                BIDIRECTIONAL.defaultValue()); }

    public GRU(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        super(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
    }

    @Override protected int stateCount() { return 1; }

    /** r scales W_hn h + b_hn alone, so b_hh stays in the step. */
    @Override protected boolean hiddenBiasFolds() { return false; }

    /** The reset gate scales only the hidden part of n, so the input and hidden projections stay apart. */
    @Override protected Tensor[] cell(Tensor xProj, Tensor[] state, Tensor wHh, Tensor bHh) {
        Tensor h = state[0];
        Tensor[] gi = xProj.chunk(3, 1), gh = F.linear(h, wHh, bHh).chunk(3, 1);
        Tensor r = gi[0].add(gh[0]).sigmoid(), z = gi[1].add(gh[1]).sigmoid();
        Tensor n = gi[2].add(r.mul(gh[2])).tanh();
        return new Tensor[]{n.sub(n.mul(z)).add(z.mul(h))};
    }
}
