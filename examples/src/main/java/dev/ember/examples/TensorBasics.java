package dev.ember.examples;

import dev.ember.engine.DType;
import dev.ember.engine.Tensor;

/**
 * Tutorial walkthrough: tensor creation, indexing, views, broadcasting, matrix inverse and determinant
 * (PyTorch's "Tensors" tutorial, line by line in Java).
 */
public final class TensorBasics {
    public static void main(String[] args) {
        // Creation
        Tensor data = Tensor.of(new float[][]{{1, 2}, {3, 4}});
        System.out.println("from data:\n" + data);
        Tensor ones = Tensor.ones(2, 3), rand = Tensor.rand(2, 3);
        System.out.println("ones:\n" + ones + "\nrand:\n" + rand);
        System.out.println("arange(0, 10, 2): " + Tensor.arange(0, 10, 2));
        System.out.println("linspace(0, 1, 5): " + Tensor.linspace(0, 1, 5));
        System.out.println("eye(3):\n" + Tensor.eye(3));
        System.out.println("shape " + java.util.Arrays.toString(rand.shape()) + ", dtype " + rand.dtype() + ", device " + rand.device());

        // Indexing and slicing: t[0], t[:, 1], t[..., -1], t[idx], t[i, j]
        Tensor t = Tensor.arange(12).reshape(3, 4).toFloat();
        System.out.println("t:\n" + t);
        System.out.println("first row t[0]: " + t.get(0));
        System.out.println("second column t[:, 1]: " + t.select(1, 1));
        System.out.println("last column t[..., -1]: " + t.select(-1, -1));
        System.out.println("rows 0 and 2 t[[0, 2]]:\n" + t.index(Tensor.tensor(0L, 2L)));
        System.out.println("elements (0,1) and (2,3) t[[0, 2], [1, 3]]: " + t.index(Tensor.tensor(0L, 2L), Tensor.tensor(1L, 3L)));
        System.out.println("values > 5: " + t.maskedSelect(t.gt(5)));

        // Views share storage with their base
        Tensor v = t.view(2, 6);
        v.get(0).fill_(-1);
        System.out.println("after writing through view(2, 6), t[0] = " + t.get(0));
        System.out.println("t.t() is contiguous? " + t.t().isContiguous());

        // Broadcasting: [3, 1] + [4] -> [3, 4]
        Tensor col = Tensor.tensor(1f, 2f, 3f).unsqueeze(1), row = Tensor.tensor(10f, 20f, 30f, 40f);
        System.out.println("broadcast [3,1] + [4]:\n" + col.add(row));

        // Joining
        System.out.println("cat along dim 1:\n" + Tensor.cat(1, data, data));
        System.out.println("stack:\n" + Tensor.stack(0, data, data));

        // Linear algebra
        Tensor a = Tensor.of(new double[][]{{4, 7}, {2, 6}}, DType.FLOAT64);
        System.out.println("A:\n" + a + "\ninverse(A):\n" + a.inverse() + "\ndet(A): " + a.det().item());
        System.out.println("A @ inverse(A):\n" + a.matmul(a.inverse()));
    }
}
