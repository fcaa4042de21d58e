package dev.ember.engine;

import dev.ember.engine.autograd.GradMode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The differentiable ops under test, each with sample input shapes and a domain for its inputs. It drives
 * {@link GradcheckTest}: finite-difference gradchecks (contiguous, broadcast and non-contiguous inputs) and
 * float32-vs-float64 consistency, so an op added here is checked all those ways.
 */
final class OpRegistry {
    private OpRegistry() {}

    /** Where an op's input values are drawn from. */
    enum Domain {
        /** Standard normal. */
        ANY,
        /** 0.5 + |normal|: for log, sqrt, pow with tensor exponent. */
        POSITIVE,
        /** sign(n) * (0.3 + |n|): away from kinks and poles (abs, relu, division). */
        NONZERO
    }

    /** One op: a name, its inputs (shapes and domains, or fixed values) and the function under test. */
    record Op(String name, int[][] shapes, int[][] broadcastShapes, Domain[] domains, double[][] fixedValues,
              boolean contiguousOnly, double eps, Function<Tensor[], Tensor> fn) {

        int arity() { return shapes.length; }

        /** {@link #inputs} on {@code device}: the same values, as leaves there. */
        Tensor[] inputs(DType dtype, long seed, boolean broadcast, Device device) {
            Tensor[] cpu = inputs(dtype, seed, broadcast);
            Tensor[] out = new Tensor[cpu.length];
            for (int i = 0; i < cpu.length; i++) out[i] = cpu[i].detach().to(device).requiresGrad_();
            return out;
        }

        /** Fresh float64 leaves that require grad, contiguous (or broadcast shapes when asked). */
        Tensor[] inputs(DType dtype, long seed, boolean broadcast) {
            int[][] s = broadcast ? broadcastShapes : shapes;
            Generator g = new Generator(seed);
            Tensor[] out = new Tensor[s.length];
            for (int i = 0; i < s.length; i++) {
                Tensor t;
                if (fixedValues != null) {
                    t = Tensor.of(fixedValues[i], DType.FLOAT64).reshape(s[i]);
                } else {
                    t = Tensor.randn(s[i], DType.FLOAT64, g);
                    Domain d = domains[Math.min(i, domains.length - 1)];
                    if (d == Domain.POSITIVE) t = t.abs().add(0.5);
                    if (d == Domain.NONZERO) t = t.sign().mul(t.abs().add(0.3));
                }
                out[i] = t.to(dtype).detach().requiresGrad_();
            }
            return out;
        }

        /** The same values as {@link #inputs}, but each leaf is a strided view (transposed, or every other element). */
        Tensor[] nonContiguousInputs(long seed) {
            Tensor[] dense = inputs(DType.FLOAT64, seed, false);
            Tensor[] out = new Tensor[dense.length];
            for (int i = 0; i < dense.length; i++) out[i] = nonContiguous(dense[i]);
            return out;
        }

        @Override public String toString() { return name; }
    }

    /** A non-contiguous leaf with t's values: the transpose of a buffer, or a step-2 slice of one along the last dim. */
    static Tensor nonContiguous(Tensor t) {
        int[] s = t.shape();
        Tensor view;
        if (s.length >= 2 && s[s.length - 1] > 1 && s[s.length - 2] > 1) {
            int[] swapped = s.clone();
            swapped[s.length - 1] = s[s.length - 2];
            swapped[s.length - 2] = s[s.length - 1];
            view = Tensor.zeros(swapped, t.dtype()).transpose(-1, -2);
        } else if (s.length >= 1) {
            int[] doubled = s.clone();
            doubled[s.length - 1] *= 2;
            view = Tensor.zeros(doubled, t.dtype()).slice(-1, 0, doubled[s.length - 1], 2);
        } else {
            return t.detach().clone().requiresGrad_();
        }
        try (var m = GradMode.noGrad()) { view.copy_(t); }
        return view.detach().requiresGrad_();
    }

    static final List<Op> OPS = build();

    private static final class B {
        final String name;
        int[][] shapes, broadcast;
        Domain[] domains = {Domain.ANY};
        double[][] fixed;
        boolean contiguousOnly;
        double eps = 1e-6;
        Function<Tensor[], Tensor> fn;
        B(String name) { this.name = name; }
        B shapes(int[]... s) { shapes = s; return this; }
        B broadcast(int[]... s) { broadcast = s; return this; }
        B domain(Domain... d) { domains = d; return this; }
        B fixed(double[]... v) { fixed = v; return this; }
        B contiguousOnly() { contiguousOnly = true; return this; }
        B eps(double e) { eps = e; return this; }
        Op fn(Function<Tensor[], Tensor> f) {
            fn = f;
            return new Op(name, shapes, broadcast, domains, fixed, contiguousOnly, eps, fn);
        }
    }

    private static B op(String name) { return new B(name); }

    private static int[] s(int... dims) { return dims; }

    private static List<Op> build() {
        List<Op> ops = new ArrayList<>();
        int[] m23 = s(2, 3);

        // ---- binary arithmetic (broadcasting)
        ops.add(op("add").shapes(m23, m23).broadcast(s(2, 1), s(3)).fn(x -> x[0].add(x[1])));
        ops.add(op("add alpha").shapes(m23, m23).broadcast(s(2, 3), s(1, 3)).fn(x -> x[0].add(x[1], -2.5)));
        ops.add(op("add scalar").shapes(m23).fn(x -> x[0].add(1.5)));
        ops.add(op("sub").shapes(m23, m23).broadcast(s(3), s(2, 3)).fn(x -> x[0].sub(x[1])));
        ops.add(op("mul").shapes(m23, m23).broadcast(s(2, 1, 3), s(4, 1)).fn(x -> x[0].mul(x[1])));
        ops.add(op("mul scalar").shapes(m23).fn(x -> x[0].mul(-3.0)));
        ops.add(op("div").shapes(m23, m23).broadcast(s(2, 3), s(2, 1)).domain(Domain.ANY, Domain.NONZERO).fn(x -> x[0].div(x[1])));
        ops.add(op("div scalar").shapes(m23).fn(x -> x[0].div(4.0)));
        ops.add(op("rsub scalar").shapes(m23).fn(x -> x[0].rsub(2.0)));
        ops.add(op("pow scalar 3").shapes(m23).fn(x -> x[0].pow(3)));
        ops.add(op("pow scalar 2.5").shapes(m23).domain(Domain.POSITIVE).fn(x -> x[0].pow(2.5)));
        ops.add(op("pow scalar -1.5").shapes(m23).domain(Domain.POSITIVE).fn(x -> x[0].pow(-1.5)));
        ops.add(op("pow tensor").shapes(m23, m23).broadcast(s(2, 3), s(3)).domain(Domain.POSITIVE, Domain.ANY).fn(x -> x[0].pow(x[1])));
        ops.add(op("maximum").shapes(m23, m23).broadcast(s(2, 3), s(3)).fn(x -> x[0].maximum(x[1])));
        ops.add(op("minimum").shapes(m23, m23).broadcast(s(2, 1), s(1, 3)).fn(x -> x[0].minimum(x[1])));
        Tensor cond = Tensor.tensor(true, false, true, false, false, true).reshape(2, 3);
        ops.add(op("where").shapes(m23, m23).broadcast(s(2, 3), s(3)).fn(x -> Tensor.where(cond.to(x[0].device()), x[0], x[1])));

        // ---- unary pointwise
        ops.add(op("neg").shapes(m23).fn(x -> x[0].neg()));
        ops.add(op("exp").shapes(m23).fn(x -> x[0].exp()));
        ops.add(op("log").shapes(m23).domain(Domain.POSITIVE).fn(x -> x[0].log()));
        ops.add(op("sqrt").shapes(m23).domain(Domain.POSITIVE).fn(x -> x[0].sqrt()));
        ops.add(op("rsqrt").shapes(m23).domain(Domain.POSITIVE).fn(x -> x[0].rsqrt()));
        ops.add(op("sin").shapes(m23).fn(x -> x[0].sin()));
        ops.add(op("cos").shapes(m23).fn(x -> x[0].cos()));
        ops.add(op("tanh").shapes(m23).fn(x -> x[0].tanh()));
        ops.add(op("sigmoid").shapes(m23).fn(x -> x[0].sigmoid()));
        ops.add(op("relu").shapes(m23).domain(Domain.NONZERO).fn(x -> x[0].relu()));
        ops.add(op("abs").shapes(m23).domain(Domain.NONZERO).fn(x -> x[0].abs()));
        ops.add(op("clamp").shapes(s(3, 4)).fn(x -> x[0].clamp(-0.5, 0.5)));
        ops.add(op("clampMin").shapes(s(3, 4)).fn(x -> x[0].clampMin(0.1)));
        ops.add(op("clampMax").shapes(s(3, 4)).fn(x -> x[0].clampMax(-0.2)));
        ops.add(op("square").shapes(m23).fn(x -> x[0].square()));
        ops.add(op("reciprocal").shapes(m23).domain(Domain.NONZERO).fn(x -> x[0].reciprocal()));
        // float32 rounding in the middle: differences need a larger step.
        ops.add(op("to float32 and back").shapes(m23).eps(1e-3).fn(x -> x[0].to(DType.FLOAT32).to(DType.FLOAT64).mul(x[0])));
        ops.add(op("clone").shapes(m23).fn(x -> x[0].clone()));
        ops.add(op("contiguous").shapes(m23).fn(x -> x[0].t().contiguous()));

        // ---- reductions
        int[] c234 = s(2, 3, 4);
        ops.add(op("sum").shapes(c234).fn(x -> x[0].sum()));
        ops.add(op("sum dim").shapes(c234).fn(x -> x[0].sum(1)));
        ops.add(op("sum dims keepdim").shapes(c234).fn(x -> x[0].sum(new int[]{0, 2}, true)));
        ops.add(op("sum negative dim keepdim").shapes(c234).fn(x -> x[0].sum(-1, true)));
        ops.add(op("mean").shapes(c234).fn(x -> x[0].mean()));
        ops.add(op("mean dim").shapes(c234).fn(x -> x[0].mean(1)));
        ops.add(op("mean dims keepdim").shapes(c234).fn(x -> x[0].mean(new int[]{0, 2}, true)));
        ops.add(op("var").shapes(c234).fn(x -> x[0].var()));
        ops.add(op("var dim biased").shapes(c234).fn(x -> x[0].var(1, false, false)));
        ops.add(op("var dims keepdim").shapes(c234).fn(x -> x[0].var(new int[]{0, 2}, true, true)));
        ops.add(op("std").shapes(c234).fn(x -> x[0].std()));
        ops.add(op("std dim biased keepdim").shapes(c234).fn(x -> x[0].std(2, false, true)));
        ops.add(op("std dim unbiased").shapes(c234).fn(x -> x[0].std(0, true, false)));
        ops.add(op("prod").shapes(m23).fn(x -> x[0].prod()));
        ops.add(op("prod dim").shapes(c234).fn(x -> x[0].prod(1, false)));
        ops.add(op("prod one zero").shapes(m23).fixed(new double[]{1.5, 0, -2, 0.5, 3, 1.25}).fn(x -> x[0].prod()));
        ops.add(op("prod two zeros").shapes(m23).fixed(new double[]{1.5, 0, -2, 0, 3, 1.25}).fn(x -> x[0].prod()));
        ops.add(op("prod dim with zeros").shapes(s(3, 3)).fixed(new double[]{0, 2, 3, 0, 0, 4, 5, -1, 2}).fn(x -> x[0].prod(1, true)));
        ops.add(op("max").shapes(c234).fn(x -> x[0].max()));
        ops.add(op("min").shapes(c234).fn(x -> x[0].min()));
        ops.add(op("max dim values").shapes(c234).fn(x -> x[0].max(1).values()));
        ops.add(op("min dim values keepdim").shapes(c234).fn(x -> x[0].min(-1, true).values()));
        ops.add(op("amax").shapes(c234).fn(x -> x[0].amax(2, false)));
        ops.add(op("logsumexp").shapes(c234).fn(x -> x[0].logsumexp(1, false)));
        ops.add(op("logsumexp keepdim").shapes(c234).fn(x -> x[0].logsumexp(-1, true)));
        ops.add(op("norm").shapes(c234).fn(x -> x[0].norm()));
        ops.add(op("norm p=1").shapes(c234).domain(Domain.NONZERO).fn(x -> x[0].norm(1.0)));
        ops.add(op("norm p=2 dim").shapes(c234).fn(x -> x[0].norm(2.0, 1, false)));
        ops.add(op("norm p=3 dim keepdim").shapes(c234).domain(Domain.NONZERO).fn(x -> x[0].norm(3.0, 2, true)));
        ops.add(op("norm p=inf").shapes(c234).fn(x -> x[0].norm(Double.POSITIVE_INFINITY)));
        ops.add(op("norm p=inf dim").shapes(c234).fn(x -> x[0].norm(Double.POSITIVE_INFINITY, 0, false)));

        // ---- views and shape ops
        ops.add(op("view").shapes(m23).contiguousOnly().fn(x -> x[0].view(3, 2)));
        ops.add(op("view infer").shapes(c234).contiguousOnly().fn(x -> x[0].view(-1, 4)));
        ops.add(op("reshape").shapes(c234).fn(x -> x[0].reshape(4, -1)));
        ops.add(op("flatten").shapes(c234).fn(x -> x[0].flatten()));
        ops.add(op("flatten range").shapes(c234).fn(x -> x[0].flatten(1, 2)));
        ops.add(op("squeeze").shapes(s(2, 1, 3)).fn(x -> x[0].squeeze()));
        ops.add(op("squeeze dim").shapes(s(2, 3, 1)).fn(x -> x[0].squeeze(-1)));
        ops.add(op("unsqueeze").shapes(m23).fn(x -> x[0].unsqueeze(1)));
        ops.add(op("transpose").shapes(c234).fn(x -> x[0].transpose(0, 2)));
        ops.add(op("permute").shapes(c234).fn(x -> x[0].permute(2, 0, 1)));
        ops.add(op("t").shapes(m23).fn(x -> x[0].t()));
        ops.add(op("expand").shapes(s(3, 1)).fn(x -> x[0].expand(2, 3, 4)));
        ops.add(op("narrow").shapes(s(3, 4)).fn(x -> x[0].narrow(1, 1, 2)));
        ops.add(op("slice step").shapes(s(5, 3)).fn(x -> x[0].slice(0, 0, 5, 2)));
        ops.add(op("slice negative").shapes(s(3, 5)).fn(x -> x[0].slice(1, -4, -1, 2)));
        ops.add(op("select").shapes(c234).fn(x -> x[0].select(1, -1)));
        ops.add(op("views composed then math").shapes(c234).fn(x -> x[0].permute(1, 0, 2).slice(2, 1, 4, 2).reshape(3, -1).exp()));
        ops.add(op("cat").shapes(s(2, 1), s(2, 3), s(2, 2)).fn(x -> Tensor.cat(1, x[0], x[1], x[2])));
        ops.add(op("stack").shapes(m23, m23).fn(x -> Tensor.stack(1, x[0], x[1])));
        ops.add(op("split").shapes(s(2, 5)).fn(x -> {
            Tensor[] p = x[0].split(2, 1);
            return Tensor.cat(1, p[0].mul(2.0), p[1].exp(), p[2].neg());
        }));
        ops.add(op("split sizes").shapes(s(4, 2)).fn(x -> {
            Tensor[] p = x[0].split(new int[]{1, 3}, 0);
            return p[0].sum().mul(p[1].sin().sum());
        }));
        ops.add(op("chunk").shapes(s(5, 2)).fn(x -> {
            Tensor[] p = x[0].chunk(3, 0);
            return Tensor.cat(0, p[0].square(), p[1].mul(3.0), p[2].tanh());
        }));

        // ---- linear algebra
        ops.add(op("mm").shapes(m23, s(3, 4)).fn(x -> x[0].mm(x[1])));
        ops.add(op("addmm bias").shapes(s(4), m23, s(3, 4)).fn(x -> x[0].addmm(x[1], x[2])));
        ops.add(op("addmm matrix").shapes(s(2, 4), m23, s(3, 4)).fn(x -> x[0].addmm(x[1], x[2])));
        ops.add(op("bmm").shapes(c234, s(2, 4, 2)).fn(x -> x[0].bmm(x[1])));
        ops.add(op("matmul 1d.1d").shapes(s(3), s(3)).fn(x -> x[0].matmul(x[1])));
        ops.add(op("matmul 2d.1d").shapes(m23, s(3)).fn(x -> x[0].matmul(x[1])));
        ops.add(op("matmul 1d.2d").shapes(s(2), m23).fn(x -> x[0].matmul(x[1])));
        ops.add(op("matmul 3d.2d").shapes(c234, s(4, 2)).fn(x -> x[0].matmul(x[1])));
        ops.add(op("matmul 2d.3d").shapes(s(3, 2), s(2, 2, 4)).fn(x -> x[0].matmul(x[1])));
        ops.add(op("matmul 1d.3d").shapes(s(3), c234).fn(x -> x[1].transpose(1, 2).matmul(x[0]).sum().add(x[0].matmul(x[1].select(0, 0)).sum())));
        ops.add(op("matmul batched broadcast 4d.3d").shapes(s(2, 1, 2, 3), s(3, 3, 2)).fn(x -> x[0].matmul(x[1])));
        ops.add(op("mv").shapes(m23, s(3)).fn(x -> x[0].mv(x[1])));
        ops.add(op("dot").shapes(s(4), s(4)).fn(x -> x[0].dot(x[1])));
        ops.add(op("outer").shapes(s(2), s(3)).fn(x -> x[0].outer(x[1])));
        return ops;
    }
}
