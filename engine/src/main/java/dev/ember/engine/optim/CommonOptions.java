package dev.ember.engine.optim;

/** Builder setters several optimizers share: a builder implements the ones for options its optimizer takes. */
public final class CommonOptions {
    private CommonOptions() {}

    /** What the setter interfaces build on. */
    public interface Sets<B> {
        B option(String name, Object value);
    }

    public interface WithWeightDecay<B> extends Sets<B> {
        default B weightDecay(double weightDecay) { return option("weight_decay", weightDecay); }
    }

    public interface WithMaximize<B> extends Sets<B> {
        default B maximize(boolean maximize) { return option("maximize", maximize); }
    }

    public interface WithEps<B> extends Sets<B> {
        default B eps(double eps) { return option("eps", eps); }
    }

    public interface WithMomentum<B> extends Sets<B> {
        default B momentum(double momentum) { return option("momentum", momentum); }
    }

    /** The Adam family's setters: betas, eps and maximize. */
    public interface AdamFamily<B> extends WithEps<B>, WithMaximize<B> {
        default B betas(double beta1, double beta2) { return option("betas", new double[]{beta1, beta2}); }
    }
}
