package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/**
 * Long short-term memory, like torch.nn.LSTM; gates in PyTorch's order (input, forget, cell, output):
 * c' = f*c + i*g, h' = o*tanh(c'). States are (h, c).
 */
public class LSTM extends RNNBase {
    public LSTM(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, NUM_LAYERS.defaultValue(), BIAS.defaultValue(), BATCH_FIRST.defaultValue(), DROPOUT.defaultValue(),
                BIDIRECTIONAL.defaultValue()); }

    public LSTM(int inputSize, int hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout, boolean bidirectional) {
        super(4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional);
    }

    @Override protected int stateCount() { return 2; }

    @Override protected Tensor[] cell(Tensor xProj, Tensor[] state, Tensor wHh, Tensor bHh) {
        Tensor[] g = xProj.add(F.linear(state[0], wHh, bHh)).chunk(4, 1);
        Tensor i = g[0].sigmoid(), f = g[1].sigmoid(), c = g[2].tanh(), o = g[3].sigmoid();
        Tensor cNext = f.mul(state[1]).add(i.mul(c));
        return new Tensor[]{o.mul(cNext.tanh()), cNext};
    }
}
