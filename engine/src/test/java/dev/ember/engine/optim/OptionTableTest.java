package dev.ember.engine.optim;

import dev.ember.engine.Tensor;
import dev.ember.engine.nn.Parameter;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Each optimizer's option table: PyTorch's defaults in PyTorch's order, PyTorch's messages, typed reads. */
class OptionTableTest {
    private static List<Parameter> params() { return List.of(new Parameter(Tensor.zeros(2))); }

    private static String refused(OptimizerBuilder<?, ?> b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void defaultsInPyTorchsOrder() {
        assertEquals(List.of("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize"),
                List.copyOf(new Adagrad(params()).defaults().keySet()));
        assertEquals(0.0, (Double) new Adam(params()).defaults().get("weight_decay"));
        assertEquals(1e-2, (Double) new AdamW(params()).defaults().get("weight_decay"));
        assertArrayEquals(new double[]{0.9, 0.999}, (double[]) new Adamax(params()).defaults().get("betas"));
        assertEquals(25, new LBFGS(params()).paramGroups().get(0).getInt("max_eval")); // max_iter 20 * 5 / 4
    }

    @Test
    void invalidValuesGetPyTorchsMessages() {
        assertEquals("Invalid epsilon value: -1.0", refused(Adam.builder(params()).eps(-1)));
        assertEquals("Invalid beta parameter at index 1: 1.0", refused(Adam.builder(params()).betas(0.9, 1)));
        assertEquals("Invalid alpha value: -1.0", refused(RMSprop.builder(params()).alpha(-1)));
        assertEquals("Invalid rho value: 2.0", refused(Adadelta.builder(params()).rho(2)));
        assertEquals("Invalid eta values: 0.5, 0.9", refused(Rprop.builder(params()).etas(0.5, 0.9)));
        assertEquals("SGD needs a learning rate: SGD.builder(params).lr(0.01)", refused(SGD.builder(params())));
        assertEquals("Invalid learning rate: -1.0", refused(SGD.builder(params()).lr(-1)));
        assertEquals("Nesterov momentum requires a momentum and zero dampening (momentum=0.0, dampening=0.0)",
                refused(SGD.builder(params()).lr(0.1).nesterov(true)));
        assertEquals("unknown option 'betas'; known options are [lr, momentum, dampening, weight_decay, nesterov, maximize]",
                refused(SGD.builder(params()).lr(0.1).option("betas", new double[]{0.9, 0.99})));
    }

    @Test
    void typedReadsAcceptAnyNumberAGroupHolds() {
        ParamGroup group = ParamGroup.of(params()).set("momentum", 1); // an Integer, as a user may write it
        SGD sgd = SGD.builder(List.of(group)).lr(0.1).build();
        assertEquals(1.0, SGD.MOMENTUM.of(sgd.paramGroups().get(0)));
        assertFalse(Option.MAXIMIZE.of(sgd.paramGroups().get(0)));
        assertEquals("parameter group has no option 'amsgrad' (it has [momentum])",
                assertThrows(IllegalArgumentException.class, () -> Adam.AMSGRAD.of(ParamGroup.of(params()).set("momentum", 1))).getMessage());
    }
}
