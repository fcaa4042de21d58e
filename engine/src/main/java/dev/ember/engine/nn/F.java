package dev.ember.engine.nn;

import dev.ember.engine.Tensor;

/** The functional namespace, like torch.nn.functional: stateless versions of the layers and losses. */
public final class F {
    private F() {}

    /** x W^T + b; W^T is a view the GEMM reads transposed, no copy. */
    public static Tensor linear(Tensor input, Tensor weight, Tensor bias) {
        if (input.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input has " + input.size(-1) + " features (shape " + dev.ember.engine.Shape.str(input.shape())
                    + ") but the weight expects " + weight.size(1) + " (weight shape " + dev.ember.engine.Shape.str(weight.shape()) + ")");
        }
        Tensor out = input.matmul(weight.t());
        return bias == null ? out : out.add(bias);
    }

    public static Tensor relu(Tensor x) { return x.relu(); }

    public static Tensor sigmoid(Tensor x) { return x.sigmoid(); }

    public static Tensor tanh(Tensor x) { return x.tanh(); }

    /** log(softmax(x)) along dim, as x - logsumexp(x): stable for large inputs. */
    public static Tensor logSoftmax(Tensor x, int dim) { return x.sub(x.logsumexp(dim, true)); }

    public static Tensor softmax(Tensor x, int dim) { return logSoftmax(x, dim).exp(); }
}
