package dev.ember.engine.cuda;

import dev.ember.engine.Device;
import dev.ember.engine.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CudaTensorSmokeTest {
    static final Device CUDA = Device.cuda(0);

    @BeforeEach
    void need() { assumeTrue(Device.isCudaAvailable(), Device::cudaStatus); }

    @Test
    void linearLayerForwardAndBackwardMatchCpu() {
        Tensor x = Tensor.randn(8, 5), w = Tensor.randn(5, 3);
        Tensor xc = x.to(CUDA), wc = w.to(CUDA).requiresGrad_();
        Tensor loss = xc.matmul(wc).relu().sum();
        loss.backward();
        Tensor wr = w.requiresGrad_();
        Tensor lossCpu = x.matmul(wr).relu().sum();
        lossCpu.backward();
        assertEquals(lossCpu.item(), loss.to(Device.CPU).item(), 1e-4);
        assertEquals(CUDA, wc.grad().device());
        float[] g = wc.grad().to(Device.CPU).toFloatArray(), gc = wr.grad().toFloatArray();
        assertArrayEquals(gc, g, 1e-4f);
    }
}
