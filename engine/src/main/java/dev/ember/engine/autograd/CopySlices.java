package dev.ember.engine.autograd;

import dev.ember.engine.Tensor;
import dev.ember.engine.ops.AsStrided;

/**
 * The history a base tensor gets after an in-place op wrote into one of its views: outside the view's
 * region the base is what it was (input 0, the base with its previous history), inside it is the op's
 * result (input 1). Backward splits the gradient the same way. Applying it makes the base itself the
 * output, since the write already put the new values there.
 */
public final class CopySlices extends Function {
    private final AsStrided.Geometry region;
    /** 1 outside the written region, 0 inside (a constant, so backward stays differentiable). */
    private Tensor keep;

    public CopySlices(AsStrided.Geometry region) { this.region = region; }

    @Override protected Tensor forward(Tensor... x) {
        Tensor base = x[0];
        keep = Tensor.onesLike(base).sub(region.scatter(Tensor.ones(region.shape(), base.dtype())));
        return base;
    }

    @Override protected Tensor[] backward(Tensor g) {
        return new Tensor[]{
            needsInputGrad(0) ? g.mul(keep) : null,
            needsInputGrad(1) ? new AsStrided(region).apply(g) : null
        };
    }

    @Override public String name() { return "CopySlices"; }
}
