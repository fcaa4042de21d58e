package dev.ember.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each tutorial walkthrough reaches the outcome its tutorial promises; expectations are worked out by hand. */
class WalkthroughsTest {
    @Test void tensorBasicsPrintsTheInverseAndDeterminantOfA() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf));
        try { TensorBasics.main(new String[0]); } finally { System.setOut(old); }
        String out = buf.toString();
        // A = [[4, 7], [2, 6]]: det = 4*6 - 7*2 = 10, inverse = [[6, -7], [-2, 4]] / 10.
        assertTrue(out.contains("det(A): 10.0"), out);
        assertTrue(out.contains("[[ 0.6000, -0.7000],\n        [-0.2000,  0.4000]]"), out);
        assertTrue(out.contains("elements (0,1) and (2,3) t[[0, 2], [1, 3]]: tensor([ 1., 11.])"), out);
    }

    @Test void autogradDerivatives() {
        assertEquals(8.0, AutogradBasics.derivativeOfQuadratic(), 1e-6);          // 2x + 2 at x = 3
        assertArrayEquals(new double[]{4.0, 1.0}, AutogradBasics.partialDerivatives(), 1e-6); // (v + 2u, u) at (1, 2)
        assertArrayEquals(new float[]{0.2f, 2f, 20f}, AutogradBasics.vectorJacobianProduct(), 1e-6f);
    }

    @Test void gradientDescentFindsTheMinimum() {
        float[] x = GradientDescent.minimize(100, 0.1);
        assertEquals(3.0, x[0], 1e-4);
        assertEquals(-2.0, x[1], 1e-4);
    }

    @Test void linearRegressionRecoversInterceptAndSlope() {
        double[] p = LinearRegression.fit(1000);
        assertEquals(1.0, p[0], 0.1);
        assertEquals(2.0, p[1], 0.1);
    }

    @Test void perceptronSeparatesTheBlobs() {
        assertTrue(Perceptron.train(10) >= 0.98);
    }

    @Test void binaryClassifierLearnsTheCircle() {
        assertTrue(BinaryClassifier.train(300) >= 0.95);
    }

    @Test void sineFitIsAccurateAndReproducible() {
        double[] a = SineFit.train(7, 1000), b = SineFit.train(7, 1000);
        assertTrue(a[0] < 1e-3, "test MSE " + a[0]);
        assertEquals(Math.sin(1), a[1], 0.02);
        assertEquals(a[1], b[1], 0.0, "same seed must give the same model");
    }
}
