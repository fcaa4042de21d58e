package dev.ember.engine.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.nn.spec.ModelSpec;
import org.junit.jupiter.api.Test;

class UnflattenTest {
    @Test
    void expandsOneDimKeepingRowMajorOrder() {
        Tensor x = Tensor.arange(24).reshape(2, 12);
        Tensor y = new Unflatten(1, 3, 2, 2).forward(x);
        assertArrayEquals(new int[]{2, 3, 2, 2}, y.shape());
        // Element [1, 2, 0, 1] is flat index 1*12 + 2*4 + 0*2 + 1 = 21.
        assertEquals(21.0, y.get(1).get(2).get(0).get(1).item());
        assertArrayEquals(new int[]{4, 6, 2}, new Unflatten(-1, 6, 2).forward(Tensor.zeros(4, 12)).shape());
        assertEquals("Unflatten(dim=1, unflattened_size=(3, 2, 2))", new Unflatten(1, 3, 2, 2).toString());
    }

    @Test
    void refusesASizeThatDoesNotMatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Unflatten(1, 1, 28, 28).forward(Tensor.zeros(2, 100)));
        assertEquals("Unflatten: size 100 of dim 1 of input [2, 100] does not match unflattened_size [1, 28, 28] (product 784)", e.getMessage());
    }

    @Test
    void gradientsFlowThrough() {
        Unflatten u = new Unflatten(1, 2, 3);
        GradCheck.check(x -> u.forward(x[0]).mul(x[0].reshape(2, 2, 3).sin()).sum(), Tensor.randn(2, 6).to(DType.FLOAT64).requiresGrad_(true));
    }

    @Test
    void aSpecCanStartWithUnflattenToTakeFlatRowsAsImages() {
        Module m = ModelSpec.parse("{\"layers\": [{\"type\": \"Unflatten\", \"dim\": 1, \"unflattened_size\": [1, 4, 4]},"
                + " {\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2, \"kernel_size\": 3}, {\"type\": \"Flatten\"}]}").build();
        assertArrayEquals(new int[]{5, 8}, m.forward(Tensor.zeros(5, 16)).shape());
    }
}
