package dev.ember.engine.ops;

import dev.ember.engine.DType;
import dev.ember.engine.Generator;
import dev.ember.engine.Tensor;
import dev.ember.engine.autograd.Backward;
import dev.ember.engine.autograd.GradCheck;
import dev.ember.engine.autograd.GradMode;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IndexingTest {

    /** [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]] as float32: element (r, c) is 3r + c. */
    private static Tensor grid() { return Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(4, 3); }

    private static Tensor randn(long seed, int... shape) { return Tensor.randn(shape, DType.FLOAT64, new Generator(seed)); }

    /** x -> d(sum f(x))/d(x[wrt]) with its graph kept, so GradCheck checks second derivatives (like gradgradcheck). */
    private static Function<Tensor[], Tensor> gradientOf(Function<Tensor[], Tensor> f, int wrt) {
        return in -> {
            try (var g = GradMode.enableGrad()) {
                return Backward.grad(new Tensor[]{f.apply(in).sum()}, new Tensor[]{null}, new Tensor[]{in[wrt]}, true, true, false)[0];
            }
        };
    }

    private static void assertValues(Tensor t, int[] shape, double... expected) {
        assertArrayEquals(shape, t.shape(), "shape");
        assertArrayEquals(expected, t.toDoubleArray(), 1e-12);
    }

    private static void assertMessage(Throwable e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' should contain '" + p + "'");
    }

    // ---------------------------------------------------------------- index

    @Test void indexRowsWithInt64AndInt32() {
        assertValues(grid().index(Tensor.tensor(2L, 0L)), new int[]{2, 3}, 6, 7, 8, 0, 1, 2);
        assertValues(grid().index(Tensor.tensor(2, 0)), new int[]{2, 3}, 6, 7, 8, 0, 1, 2);
        assertEquals(DType.FLOAT32, grid().index(Tensor.tensor(1L)).dtype());
    }

    @Test void indexNegativeIndicesWrap() {
        assertValues(grid().index(Tensor.tensor(-1L, -4L)), new int[]{2, 3}, 9, 10, 11, 0, 1, 2);
    }

    @Test void indexElementPairs() {
        // t[[0, 3, 1], [2, -1, 0]] picks (0, 2), (3, 2), (1, 0).
        assertValues(grid().index(Tensor.tensor(0L, 3L, 1L), Tensor.tensor(2, -1, 0)), new int[]{3}, 2, 11, 3);
    }

    @Test void indexTensorsBroadcastTogether() {
        Tensor rows = Tensor.of(new long[][]{{0}, {3}}), cols = Tensor.tensor(0L, 2L);
        assertValues(grid().index(rows, cols), new int[]{2, 2}, 0, 2, 9, 11);
    }

    @Test void indexWithMatrixIndexKeepsItsShape() {
        Tensor idx = Tensor.of(new long[][]{{0, 1}, {3, 3}});
        assertValues(grid().index(idx), new int[]{2, 2, 3}, 0, 1, 2, 3, 4, 5, 9, 10, 11, 9, 10, 11);
    }

    @Test void indexNonContiguousInput() {
        Tensor t = grid().t(); // [3, 4], element (r, c) is 3c + r
        assertValues(t.index(Tensor.tensor(2L)), new int[]{1, 4}, 2, 5, 8, 11);
        assertValues(t.index(Tensor.tensor(1L, 0L), Tensor.tensor(3L, 1L)), new int[]{2}, 10, 3);
    }

    @Test void indexBoolMaskSelectsRows() {
        Tensor mask = Tensor.tensor(true, false, true, false);
        assertValues(grid().index(mask), new int[]{2, 3}, 0, 1, 2, 6, 7, 8);
    }

    @Test void indexFullBoolMaskSelectsElements() {
        Tensor t = grid();
        assertValues(t.index(t.gt(7.5)), new int[]{4}, 8, 9, 10, 11);
        assertValues(t.index(t.gt(100)), new int[]{0});
    }

    @Test void indexOutOfRangeNamesIndexDimAndSize() {
        Tensor t = Tensor.zeros(5, 2);
        var e = assertThrows(IndexOutOfBoundsException.class, () -> t.index(Tensor.tensor(1L, 7L)));
        assertEquals("index 7 is out of bounds for dimension 0 with size 5", e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> t.index(Tensor.tensor(-6L)));
        assertMessage(e, "index -6", "dimension 0", "size 5");
        e = assertThrows(IndexOutOfBoundsException.class, () -> t.index(Tensor.tensor(0L), Tensor.tensor(2L)));
        assertMessage(e, "index 2", "dimension 1", "size 2");
    }

    @Test void indexRejectsBadIndexTensors() {
        Tensor t = Tensor.zeros(5, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> t.index(Tensor.tensor(1f)));
        assertMessage(e, "float32");
        e = assertThrows(IllegalArgumentException.class, () -> t.index(Tensor.tensor(0L, 1L), Tensor.tensor(0L, 1L, 1L)));
        assertMessage(e, "[2]", "[3]");
        var oob = assertThrows(IndexOutOfBoundsException.class, () -> t.index(Tensor.tensor(true, false)));
        assertMessage(oob, "[2]", "[5, 2]");
        oob = assertThrows(IndexOutOfBoundsException.class, () -> t.index(Tensor.tensor(0L), Tensor.tensor(0L), Tensor.tensor(0L)));
        assertMessage(oob, "too many indices");
    }

    @Test void indexGradient() {
        Tensor idx = Tensor.tensor(1L, 1L, 3L, -1L); // repeats accumulate
        GradCheck.check(in -> in[0].index(idx), randn(1, 4, 3).requiresGrad_());
        Tensor transposed = randn(2, 3, 4).t().detach().requiresGrad_();
        GradCheck.check(in -> in[0].index(Tensor.of(new long[][]{{0}, {2}}), Tensor.tensor(1, 0, 1)), transposed);
        Tensor mask = Tensor.tensor(false, true, true, false);
        GradCheck.check(in -> in[0].index(mask), randn(3, 4, 3).requiresGrad_());
    }

    @Test void indexGradientValues() {
        Tensor x = grid().requiresGrad_();
        x.index(Tensor.tensor(0L, 0L, 2L)).sum().backward();
        assertValues(x.grad(), new int[]{4, 3}, 2, 2, 2, 0, 0, 0, 1, 1, 1, 0, 0, 0);
    }

    @Test void indexDoubleBackward() {
        Tensor idx = Tensor.tensor(0L, 2L, 2L);
        // f(x) = sum(x[idx]^2); its gradient 2 * x * count(row) is itself differentiable.
        GradCheck.check(gradientOf(in -> in[0].index(idx).pow(2), 0),
                randn(4, 3, 2).requiresGrad_());
    }

    // ---------------------------------------------------------------- index_put

    @Test void indexPutWritesRowsAndReturnsNewTensor() {
        Tensor t = Tensor.zeros(3, 2);
        Tensor out = Indexing.indexPut(t, new Tensor[]{Tensor.tensor(2L, 0L)}, Tensor.of(new float[][]{{1, 2}, {3, 4}}), false);
        assertValues(out, new int[]{3, 2}, 3, 4, 0, 0, 1, 2);
        assertValues(t, new int[]{3, 2}, 0, 0, 0, 0, 0, 0);
    }

    @Test void indexPutElementsBroadcastValue() {
        Tensor out = Indexing.indexPut(Tensor.zeros(2, 3), new Tensor[]{Tensor.tensor(0, 1), Tensor.tensor(-1, 0)}, Tensor.scalar(5), false);
        assertValues(out, new int[]{2, 3}, 0, 0, 5, 5, 0, 0);
    }

    @Test void indexPutAccumulateAddsRepeats() {
        Tensor out = Indexing.indexPut(Tensor.ones(3), new Tensor[]{Tensor.tensor(1L, 1L, 2L)}, Tensor.tensor(5f, 7f, 1f), true);
        assertValues(out, new int[]{3}, 1, 13, 2);
        Tensor ints = Indexing.indexPut(Tensor.zeros(new int[]{3}, DType.INT64), new Tensor[]{Tensor.tensor(0L, 0L)}, Tensor.tensor(2L, 3L), true);
        assertEquals(DType.INT64, ints.dtype());
        assertArrayEquals(new long[]{5, 0, 0}, ints.toLongArray());
    }

    @Test void indexPutInPlaceWithMask() {
        Tensor t = grid();
        t.indexPut_(new Tensor[]{t.lt(3)}, Tensor.scalar(-1), false);
        assertValues(t, new int[]{4, 3}, -1, -1, -1, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    }

    @Test void indexPutRejectsValuesOfWrongShape() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Indexing.indexPut(Tensor.zeros(4, 3), new Tensor[]{Tensor.tensor(0L, 1L)}, Tensor.zeros(4), false));
        assertMessage(e, "[4]", "[2, 3]");
        var oob = assertThrows(IndexOutOfBoundsException.class,
                () -> Indexing.indexPut(Tensor.zeros(4, 3), new Tensor[]{Tensor.tensor(4L)}, Tensor.zeros(3), false));
        assertEquals("index 4 is out of bounds for dimension 0 with size 4", oob.getMessage());
    }

    @Test void indexPutGradient() {
        Tensor[] idx = {Tensor.tensor(2L, 0L)};
        for (boolean accumulate : new boolean[]{false, true}) {
            // values [3] broadcast over the [2, 3] indexed region.
            GradCheck.check(in -> Indexing.indexPut(in[0], idx, in[1], accumulate),
                    randn(5, 4, 3).requiresGrad_(), randn(6, 3).requiresGrad_());
            GradCheck.check(in -> Indexing.indexPut(in[0], new Tensor[]{Tensor.tensor(1, 1), Tensor.tensor(0, 2)}, in[1], accumulate),
                    randn(7, 4, 3).t().detach().requiresGrad_(), randn(8, 2).requiresGrad_());
        }
    }

    @Test void indexPutGradientZeroesOverwrittenPositions() {
        Tensor t = Tensor.zeros(new int[]{3}, DType.FLOAT64).requiresGrad_();
        Tensor v = Tensor.ones(new int[]{1}, DType.FLOAT64).requiresGrad_();
        Indexing.indexPut(t, new Tensor[]{Tensor.tensor(1L)}, v, false).mul(Tensor.of(new double[]{2, 3, 4}, DType.FLOAT64)).sum().backward();
        assertValues(t.grad(), new int[]{3}, 2, 0, 4);
        assertValues(v.grad(), new int[]{1}, 3);
    }

    // ---------------------------------------------------------------- index_select

    @Test void indexSelectAlongEachDim() {
        assertValues(grid().indexSelect(0, Tensor.tensor(3L, 1L, 3L)), new int[]{3, 3}, 9, 10, 11, 3, 4, 5, 9, 10, 11);
        assertValues(grid().indexSelect(1, Tensor.tensor(2, 0)), new int[]{4, 2}, 2, 0, 5, 3, 8, 6, 11, 9);
        assertValues(grid().indexSelect(-1, Tensor.tensor(1L)), new int[]{4, 1}, 1, 4, 7, 10);
    }

    @Test void indexSelectOnViews() {
        Tensor rows = grid().narrow(0, 1, 2); // contiguous view with an offset: [[3, 4, 5], [6, 7, 8]]
        assertValues(rows.indexSelect(0, Tensor.tensor(1L, 0L)), new int[]{2, 3}, 6, 7, 8, 3, 4, 5);
        assertValues(grid().t().indexSelect(0, Tensor.tensor(2L)), new int[]{1, 4}, 2, 5, 8, 11);
        Tensor ints = Tensor.of(new long[][]{{1, 2}, {3, 4}});
        assertArrayEquals(new long[]{3, 4, 3, 4}, ints.indexSelect(0, Tensor.tensor(1, 1)).toLongArray());
    }

    @Test void indexSelectErrors() {
        var oob = assertThrows(IndexOutOfBoundsException.class, () -> grid().indexSelect(1, Tensor.tensor(0L, 3L)));
        assertEquals("index 3 is out of bounds for dimension 1 with size 3", oob.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> grid().indexSelect(0, Tensor.tensor(-1L)));
        var e = assertThrows(IllegalArgumentException.class, () -> grid().indexSelect(0, Tensor.tensor(0.0)));
        assertMessage(e, "float32");
        e = assertThrows(IllegalArgumentException.class, () -> grid().indexSelect(0, Tensor.of(new long[][]{{0, 1}})));
        assertMessage(e, "[1, 2]");
    }

    @Test void indexSelectGradient() {
        Tensor idx = Tensor.tensor(2L, 0L, 2L);
        GradCheck.check(in -> in[0].indexSelect(0, idx), randn(9, 3, 4).requiresGrad_());
        GradCheck.check(in -> in[0].indexSelect(1, idx), randn(10, 4, 3).t().detach().requiresGrad_());
        GradCheck.check(in -> in[0].indexSelect(1, Tensor.tensor(1, 1)), randn(11, 2, 3, 2).requiresGrad_());
        // Second order: d/dx of the gradient of sum(select(x)^2).
        GradCheck.check(gradientOf(in -> in[0].indexSelect(0, idx).pow(2), 0),
                randn(12, 3, 2).requiresGrad_());
    }

    // ---------------------------------------------------------------- gather / scatter_add

    @Test void gatherAlongDims() {
        Tensor t = Tensor.of(new float[][]{{1, 2}, {3, 4}});
        // PyTorch docs: gather(t, 1, [[0, 0], [1, 0]]) = [[1, 1], [4, 3]].
        assertValues(t.gather(1, Tensor.of(new long[][]{{0, 0}, {1, 0}})), new int[]{2, 2}, 1, 1, 4, 3);
        // out[0][j] = t[index[0][j]][j]; index smaller than t.
        assertValues(t.gather(0, Tensor.of(new int[][]{{1, 0}})), new int[]{1, 2}, 3, 2);
        assertValues(t.gather(0, Tensor.of(new long[][]{{1}, {0}, {1}})), new int[]{3, 1}, 3, 1, 3);
        assertValues(t.t().gather(-1, Tensor.of(new long[][]{{1}, {0}})), new int[]{2, 1}, 3, 2);
    }

    @Test void gatherErrors() {
        Tensor t = Tensor.zeros(3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> t.gather(0, Tensor.tensor(0L)));
        assertMessage(e, "[1]", "[3, 4]");
        e = assertThrows(IllegalArgumentException.class, () -> t.gather(0, Tensor.zeros(new int[]{2, 5}, DType.INT64)));
        assertMessage(e, "[2, 5]", "[3, 4]");
        e = assertThrows(IllegalArgumentException.class, () -> t.gather(0, Tensor.zeros(new int[]{1, 1}, DType.FLOAT64)));
        assertMessage(e, "float64");
        var oob = assertThrows(IndexOutOfBoundsException.class, () -> t.gather(1, Tensor.of(new long[][]{{0, 4}})));
        assertEquals("index 4 is out of bounds for dimension 1 with size 4", oob.getMessage());
    }

    @Test void gatherGradient() {
        Tensor idx = Tensor.of(new long[][]{{0, 2, 2}, {1, 1, 0}});
        GradCheck.check(in -> in[0].gather(0, idx), randn(13, 3, 3).requiresGrad_());
        GradCheck.check(in -> in[0].gather(1, Tensor.of(new int[][]{{3, 3}, {0, 1}})), randn(14, 4, 3).t().detach().requiresGrad_());
        GradCheck.check(gradientOf(in -> in[0].gather(0, idx).pow(2), 0),
                randn(15, 3, 3).requiresGrad_());
    }

    @Test void scatterAddMatchesPyTorchDocs() {
        Tensor index = Tensor.of(new long[][]{{0, 1, 2, 0, 0}, {0, 1, 2, 2, 0}});
        Tensor out = Tensor.zeros(3, 5).scatterAdd(0, index, Tensor.ones(2, 5));
        assertValues(out, new int[]{3, 5}, 2, 0, 0, 1, 2, 0, 2, 0, 0, 0, 0, 0, 2, 1, 0);
        // Only index's [1, 5] corner of src is read.
        Tensor src = Tensor.arange(1, 11, 1, DType.FLOAT32).reshape(2, 5);
        assertValues(Tensor.zeros(3, 5).scatterAdd(0, Tensor.of(new int[][]{{0, 1, 2, 0, 0}}), src), new int[]{3, 5},
                1, 0, 0, 4, 5, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0);
    }

    @Test void scatterAddKeepsInputAndWorksInPlace() {
        Tensor t = Tensor.ones(2, 2);
        Tensor out = t.scatterAdd(1, Tensor.of(new long[][]{{1, 1}, {0, 1}}), Tensor.of(new float[][]{{1, 2}, {3, 4}}));
        assertValues(out, new int[]{2, 2}, 1, 4, 4, 5);
        assertValues(t, new int[]{2, 2}, 1, 1, 1, 1);
        t.scatterAdd_(1, Tensor.of(new long[][]{{1, 1}, {0, 1}}), Tensor.of(new float[][]{{1, 2}, {3, 4}}));
        assertValues(t, new int[]{2, 2}, 1, 4, 4, 5);
    }

    @Test void scatterAddErrors() {
        Tensor t = Tensor.zeros(3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> t.scatterAdd(0, Tensor.zeros(new int[]{2, 2}, DType.INT64), Tensor.zeros(1, 2)));
        assertMessage(e, "[2, 2]", "[1, 2]");
        var oob = assertThrows(IndexOutOfBoundsException.class, () -> t.scatterAdd(0, Tensor.of(new long[][]{{3}}), Tensor.zeros(1, 1)));
        assertEquals("index 3 is out of bounds for dimension 0 with size 3", oob.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.scatterAdd(0, Tensor.of(new boolean[][]{{true}}), Tensor.zeros(1, 1)));
        assertMessage(e, "bool");
    }

    @Test void scatterAddGradient() {
        Tensor idx = Tensor.of(new long[][]{{0, 2, 2}, {2, 1, 0}});
        GradCheck.check(in -> in[0].scatterAdd(0, idx, in[1]), randn(16, 3, 3).requiresGrad_(), randn(17, 2, 3).requiresGrad_());
        // src larger than index (its unread elements get zero gradient), non-contiguous, broadcast-free.
        GradCheck.check(in -> in[0].scatterAdd(1, Tensor.of(new int[][]{{1}, {0}}), in[1]),
                randn(18, 3, 2).t().detach().requiresGrad_(), randn(19, 3, 3).t().detach().requiresGrad_());
        GradCheck.check(gradientOf(in -> in[1].scatterAdd(0, idx, in[0]).pow(2), 0),
                randn(20, 2, 3).requiresGrad_(), randn(21, 3, 3).requiresGrad_());
    }

    // ---------------------------------------------------------------- masks

    @Test void maskedFillWithBroadcastMask() {
        Tensor mask = Tensor.of(new boolean[][]{{true, false, true}});
        assertValues(grid().maskedFill(mask, -1), new int[]{4, 3}, -1, 1, -1, -1, 4, -1, -1, 7, -1, -1, 10, -1);
        Tensor ints = Tensor.tensor(1L, 2L, 3L).maskedFill(Tensor.tensor(false, true, false), 9);
        assertArrayEquals(new long[]{1, 9, 3}, ints.toLongArray());
        Tensor t = grid();
        t.maskedFill_(t.ge(6), 0);
        assertValues(t, new int[]{4, 3}, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0);
    }

    @Test void maskedFillErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> grid().maskedFill(Tensor.tensor(1L, 0L, 1L), 0));
        assertMessage(e, "int64");
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).maskedFill(Tensor.of(new boolean[2][3]), 0));
        assertMessage(e, "[2, 3]", "[3]");
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).maskedFill(Tensor.tensor(true, false), 0));
        assertMessage(e, "[2]", "[3]");
    }

    @Test void maskedFillGradient() {
        Tensor mask = Tensor.of(new boolean[][]{{true}, {false}, {true}});
        GradCheck.check(in -> in[0].maskedFill(mask, 3.5), randn(22, 4, 3).t().detach().requiresGrad_());
    }

    @Test void maskedSelectBroadcasts() {
        assertValues(grid().maskedSelect(Tensor.of(new boolean[][]{{true, false, false}})), new int[]{4}, 0, 3, 6, 9);
        Tensor colMask = Tensor.tensor(false, true, true);
        assertValues(grid().maskedSelect(colMask), new int[]{8}, 1, 2, 4, 5, 7, 8, 10, 11);
        // t broadcasts against a bigger mask.
        Tensor row = Tensor.tensor(1f, 2f);
        assertValues(row.maskedSelect(Tensor.of(new boolean[][]{{true, false}, {true, true}})), new int[]{3}, 1, 1, 2);
    }

    @Test void maskedSelectErrors() {
        var e = assertThrows(IllegalArgumentException.class, () -> grid().maskedSelect(Tensor.tensor(true, false)));
        assertMessage(e, "[2]", "[4, 3]");
        e = assertThrows(IllegalArgumentException.class, () -> grid().maskedSelect(Tensor.tensor(1, 0, 1)));
        assertMessage(e, "int32");
    }

    @Test void maskedSelectGradient() {
        Tensor mask = Tensor.of(new boolean[][]{{true, false, true}, {false, true, true}});
        GradCheck.check(in -> in[0].maskedSelect(mask), randn(23, 3, 2).t().detach().requiresGrad_());
        // A [3] input broadcast against the [2, 3] mask: gradients of both rows add up.
        GradCheck.check(in -> in[0].maskedSelect(mask), randn(24, 3).requiresGrad_());
        Tensor x = Tensor.ones(new int[]{3}, DType.FLOAT64).requiresGrad_();
        x.maskedSelect(mask).sum().backward();
        assertValues(x.grad(), new int[]{3}, 1, 1, 2);
    }

    // ---------------------------------------------------------------- nonzero

    @Test void nonzeroRowMajorCoordinates() {
        Tensor t = Tensor.of(new float[][]{{0, 1, 0}, {2, 0, 3}});
        Tensor nz = t.nonzero();
        assertArrayEquals(new int[]{3, 2}, nz.shape());
        assertEquals(DType.INT64, nz.dtype());
        assertArrayEquals(new long[]{0, 1, 1, 0, 1, 2}, nz.toLongArray());
        // Of the transposed view [[0, 2], [1, 0], [0, 3]], in its own row-major order.
        assertArrayEquals(new long[]{0, 1, 1, 0, 2, 1}, t.t().nonzero().toLongArray());
        assertArrayEquals(new int[]{0, 2}, Tensor.zeros(2, 2).nonzero().shape());
        assertArrayEquals(new long[]{1, 3}, Tensor.tensor(false, true, false, true).nonzero().toLongArray());
        assertFalse(Tensor.tensor(0.0, Double.NaN).nonzero().requiresGrad());
        assertArrayEquals(new long[]{1}, Tensor.tensor(0.0, Double.NaN).nonzero().toLongArray());
    }
}
