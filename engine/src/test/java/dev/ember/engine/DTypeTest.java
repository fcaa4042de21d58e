package dev.ember.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.ember.engine.DType.BOOL;
import static dev.ember.engine.DType.FLOAT32;
import static dev.ember.engine.DType.FLOAT64;
import static dev.ember.engine.DType.INT32;
import static dev.ember.engine.DType.INT64;
import static dev.ember.engine.DType.UINT8;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Promotion as PyTorch gives it (torch.promote_types, true division, exp and sum, checked in a PyTorch 2.x session). */
@Timeout(10)
class DTypeTest {
    @Test
    void promoteFollowsTorchResultType() {
        assertEquals(UINT8, DType.promote(BOOL, UINT8));
        assertEquals(INT64, DType.promote(INT32, INT64));
        assertEquals(INT32, DType.promote(UINT8, INT32));
        assertEquals(FLOAT32, DType.promote(INT64, FLOAT32));
        assertEquals(FLOAT64, DType.promote(FLOAT64, FLOAT32));
        assertEquals(BOOL, DType.promote(BOOL, BOOL));
    }

    @Test
    void divisionAndTranscendentalsOfIntegersGiveTheDefaultFloat() {
        assertEquals(FLOAT32, INT64.toFloatingPoint()); // torch.tensor([1]) / 2 is float32
        assertEquals(FLOAT32, BOOL.toFloatingPoint());
        assertEquals(FLOAT64, FLOAT64.toFloatingPoint());
        assertEquals(FLOAT32, Tensor.tensor(1L, 2L).div(Tensor.tensor(2L)).dtype());
        assertEquals(FLOAT32, Tensor.tensor(1, 2).exp().dtype());
    }

    @Test
    void sumsOfIntegersWidenToInt64() {
        assertEquals(INT64, BOOL.sumType()); // torch.tensor([True]).sum().dtype is int64
        assertEquals(INT64, INT32.sumType());
        assertEquals(FLOAT32, FLOAT32.sumType());
        assertEquals(INT64, Tensor.tensor(true, true, false).sum().dtype());
        assertEquals(2, Tensor.tensor(true, true, false).sum().itemLong());
    }
}
