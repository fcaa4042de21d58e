package dev.ember.engine;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Forward values of tensor ops against numbers worked out by hand. */
class TensorOpsTest {

    static void assertValues(Tensor t, double... expected) {
        assertArrayEquals(expected, t.toDoubleArray(), 1e-4, () -> "values of " + t);
    }

    static void assertShape(Tensor t, int... expected) {
        assertArrayEquals(expected, t.shape(), () -> "shape of " + t);
    }

    /** [[1, 2, 3], [4, 5, 6]] as float32. */
    static Tensor m23() { return Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}); }

    @Nested
    class Broadcasting {
        @Test
        void columnPlusRow() {
            Tensor col = Tensor.of(new float[][]{{1}, {2}}), row = Tensor.tensor(10f, 20f, 30f);
            Tensor s = col.add(row);
            assertShape(s, 2, 3);
            assertValues(s, 11, 21, 31, 12, 22, 32);
        }

        @Test
        void leadingDimsAreAdded() {
            Tensor a = Tensor.ones(4, 1, 3), b = Tensor.full(new int[]{2, 1}, 2.0);
            Tensor p = a.mul(b);
            assertShape(p, 4, 2, 3);
            assertEquals(4 * 2 * 3 * 2.0, p.sum().item(), 1e-6);
        }

        @Test
        void scalarTensorBroadcastsEverywhere() {
            assertValues(m23().sub(Tensor.scalar(1)), 0, 1, 2, 3, 4, 5);
        }

        @Test
        void incompatibleShapesNameBothShapes() {
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        }
    }

    @Nested
    class DTypes {
        @Test
        void int64PlusFloat32IsFloat32() {
            Tensor s = Tensor.tensor(1L, 2L).add(Tensor.tensor(0.5f, 0.25f));
            assertEquals(DType.FLOAT32, s.dtype());
            assertValues(s, 1.5, 2.25);
        }

        @Test
        void float32PlusFloat64IsFloat64() {
            assertEquals(DType.FLOAT64, Tensor.ones(2).add(Tensor.ones(new int[]{2}, DType.FLOAT64)).dtype());
        }

        @Test
        void intDivIntIsTrueDivisionInFloat32() {
            Tensor q = Tensor.tensor(7L, -7L).div(Tensor.tensor(2L, 2L));
            assertEquals(DType.FLOAT32, q.dtype());
            assertValues(q, 3.5, -3.5);
        }

        @Test
        void intPlusWholeScalarStaysInt64() {
            Tensor s = Tensor.tensor(1L, 2L).add(2);
            assertEquals(DType.INT64, s.dtype());
            assertArrayEquals(new long[]{3, 4}, s.toLongArray());
            assertEquals(DType.INT64, Tensor.tensor(3L).mul(4).dtype());
        }

        @Test
        void intPlusFractionalScalarIsFloat32() {
            Tensor s = Tensor.tensor(1L, 2L).add(0.5);
            assertEquals(DType.FLOAT32, s.dtype());
            assertValues(s, 1.5, 2.5);
        }

        @Test
        void intSquaredStaysInt64() {
            Tensor p = Tensor.tensor(3L, -4L).pow(2);
            assertEquals(DType.INT64, p.dtype());
            assertArrayEquals(new long[]{9, 16}, p.toLongArray());
        }

        @Test
        void comparisonsGiveBool() {
            Tensor x = Tensor.tensor(1f, 2f, 3f);
            Tensor lt = x.lt(2.5);
            assertEquals(DType.BOOL, lt.dtype());
            assertValues(lt, 1, 1, 0);
            assertValues(x.eq(Tensor.tensor(1L, 0L, 3L)), 1, 0, 1);
            assertValues(x.ge(2), 0, 1, 1);
            assertValues(x.ne(2), 1, 0, 1);
        }

        @Test
        void boolSumCountsAsInt64() {
            Tensor n = Tensor.tensor(true, false, true).sum();
            assertEquals(DType.INT64, n.dtype());
            assertEquals(2, n.itemLong());
        }

        @Test
        void castToIntTruncatesTowardZero() {
            assertArrayEquals(new long[]{2, -2, 0}, Tensor.tensor(2.7f, -2.7f, 0.4f).toLong().toLongArray());
        }

        @Test
        void floatingOpsOnIntegersGiveFloat32() {
            Tensor e = Tensor.tensor(0L, 1L).exp();
            assertEquals(DType.FLOAT32, e.dtype());
            assertValues(e, 1, Math.E);
        }

        @Test
        void meanOfIntegersIsRefused() {
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.tensor(1L, 2L).mean());
            assertTrue(e.getMessage().contains("int64"), e.getMessage());
        }
    }

    @Nested
    class Pointwise {
        @Test
        void unaryValues() {
            Tensor x = Tensor.tensor(-2f, 0f, 0.5f);
            assertValues(x.abs(), 2, 0, 0.5);
            assertValues(x.neg(), 2, 0, -0.5);
            assertValues(x.relu(), 0, 0, 0.5);
            assertValues(x.sign(), -1, 0, 1);
            assertValues(x.square(), 4, 0, 0.25);
            assertValues(x.sigmoid(), 1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-0.5)));
            assertValues(x.tanh(), Math.tanh(-2), 0, Math.tanh(0.5));
            assertValues(x.exp(), Math.exp(-2), 1, Math.exp(0.5));
            assertValues(Tensor.tensor(4f, 0.25f).sqrt(), 2, 0.5);
            assertValues(Tensor.tensor(4f, 0.25f).rsqrt(), 0.5, 2);
            assertValues(Tensor.tensor(1f, (float) Math.E).log(), 0, 1);
            assertValues(Tensor.tensor(4f, -0.5f).reciprocal(), 0.25, -2);
        }

        @Test
        void sigmoidDoesNotOverflow() {
            assertValues(Tensor.tensor(-1000f, 1000f).sigmoid(), 0, 1);
        }

        @Test
        void clampBounds() {
            Tensor x = Tensor.tensor(-3f, -1f, 0f, 2f, 5f);
            assertValues(x.clamp(-1, 2), -1, -1, 0, 2, 2);
            assertValues(x.clampMin(0), 0, 0, 0, 2, 5);
            assertValues(x.clampMax(0), -3, -1, 0, 0, 0);
            assertThrows(IllegalArgumentException.class, () -> x.clamp(2, 1));
        }

        @Test
        void powAndMaximum() {
            Tensor a = Tensor.tensor(2f, 3f, 4f);
            assertValues(a.pow(2), 4, 9, 16);
            assertValues(a.pow(0.5), Math.sqrt(2), Math.sqrt(3), 2);
            assertValues(a.pow(Tensor.tensor(3f, 0f, -1f)), 8, 1, 0.25);
            assertValues(a.maximum(Tensor.tensor(1f, 5f, 4f)), 2, 5, 4);
            assertValues(a.minimum(Tensor.tensor(1f, 5f, 4f)), 1, 3, 4);
        }

        @Test
        void whereBroadcasts() {
            Tensor cond = Tensor.tensor(true, false, true);
            Tensor w = Tensor.where(cond, Tensor.of(new float[][]{{1, 2, 3}, {4, 5, 6}}), Tensor.scalar(-1));
            assertShape(w, 2, 3);
            assertValues(w, 1, -1, 3, 4, -1, 6);
            assertThrows(IllegalArgumentException.class, () -> Tensor.where(Tensor.tensor(1f), Tensor.ones(1), Tensor.ones(1)));
        }

        @Test
        void stridedInputs() {
            // Transposed and step-sliced operands read the right elements.
            Tensor t = m23().t();                 // [[1,4],[2,5],[3,6]]
            assertValues(t.add(t), 2, 8, 4, 10, 6, 12);
            assertValues(t.exp().log(), 1, 4, 2, 5, 3, 6);
            Tensor every2 = Tensor.arange(0, 10, 1, DType.FLOAT32).slice(0, 1, 10, 3); // 1, 4, 7
            assertValues(every2.mul(every2), 1, 16, 49);
        }
    }

    @Nested
    class Reductions {
        @Test
        void sumOverDims() {
            Tensor x = m23();
            assertEquals(21, x.sum().item(), 1e-6);
            assertShape(x.sum(0), 3);
            assertValues(x.sum(0), 5, 7, 9);
            assertShape(x.sum(1, true), 2, 1);
            assertValues(x.sum(1, true), 6, 15);
            assertValues(x.sum(-1), 6, 15);
            assertShape(x.sum(new int[]{0, 1}, true), 1, 1);
        }

        @Test
        void sumOfThreeDimsOverFirstAndLast() {
            // x[i][j][k] = 100 i + 10 j + k with shape [2, 3, 2]; sum over i and k: 2*2*10j + (0+100)*2 + (0+1)*2 = 40j + 202
            Tensor y = Tensor.of(new float[][][]{{{0, 1}, {10, 11}, {20, 21}}, {{100, 101}, {110, 111}, {120, 121}}});
            assertValues(y.sum(new int[]{0, 2}, false), 202, 242, 282);
            assertValues(y.permute(2, 1, 0).sum(new int[]{0, 2}, false), 202, 242, 282);
        }

        @Test
        void meanProdMaxMin() {
            Tensor x = m23();
            assertEquals(3.5, x.mean().item(), 1e-6);
            assertValues(x.mean(1), 2, 5);
            assertValues(x.mean(0, true), 2.5, 3.5, 4.5);
            assertEquals(720, x.prod().item(), 1e-6);
            assertValues(x.prod(1, false), 6, 120);
            assertEquals(6, x.max().item());
            assertEquals(1, x.min().item());
            Tensor.ValuesIndices m = x.max(1);
            assertValues(m.values(), 3, 6);
            assertArrayEquals(new long[]{2, 2}, m.indices().toLongArray());
            Tensor.ValuesIndices mn = x.min(0, true);
            assertShape(mn.values(), 1, 3);
            assertValues(mn.values(), 1, 2, 3);
            assertArrayEquals(new long[]{0, 0, 0}, mn.indices().toLongArray());
            assertValues(x.amax(0, false), 4, 5, 6);
        }

        @Test
        void reductionsOfOffsetAndStridedViews() {
            Tensor x = Tensor.arange(0, 12, 1, DType.FLOAT32).reshape(3, 4);
            // Rows [4..7] and [8..11]: a contiguous view that starts at offset 4.
            assertValues(x.narrow(0, 1, 2).sum(0), 12, 14, 16, 18);
            assertValues(x.narrow(0, 1, 2).mean(1), 5.5, 9.5);
            // Columns 1 and 3 of every row.
            assertValues(x.slice(1, 1, 4, 2).sum(1, true), 4, 12, 20);
            assertValues(x.t().max(1).values(), 8, 9, 10, 11);
            assertValues(x.toDouble().t().prod(1, false), 0, 1 * 5 * 9, 2 * 6 * 10, 3 * 7 * 11);
        }

        @Test
        void intSumIsInt64() {
            Tensor s = Tensor.tensor(1, 2, 3).sum();
            assertEquals(DType.INT64, s.dtype());
            assertEquals(6, s.itemLong());
        }

        @Test
        void varianceAndStd() {
            Tensor x = Tensor.tensor(1f, 2f, 3f, 4f);
            // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
            assertEquals(5.0 / 3, x.var().item(), 1e-6);
            assertEquals(1.25, x.var(0, false, false).item(), 1e-6);
            assertEquals(Math.sqrt(5.0 / 3), x.std().item(), 1e-6);
            assertEquals(Math.sqrt(1.25), x.std(0, false, false).item(), 1e-6);
            // Rows [1,2,3] and [4,5,6] each have unbiased variance 1.
            assertValues(m23().var(1, true, true), 1, 1);
            assertShape(m23().var(1, true, true), 2, 1);
        }

        @Test
        void logsumexpIsStable() {
            assertEquals(1000 + Math.log(2), Tensor.tensor(1000f, 1000f).logsumexp(0, false).item(), 1e-3);
            assertEquals(-1000 + Math.log(2), Tensor.tensor(-1000.0, -1000.0).toDouble().logsumexp(0, false).item(), 1e-9);
            assertEquals(Math.log(4), Tensor.tensor(0f, (float) Math.log(3)).logsumexp(0, false).item(), 1e-6);
            Tensor inf = Tensor.tensor(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY).logsumexp(0, false);
            assertEquals(Double.NEGATIVE_INFINITY, inf.item());
            assertShape(m23().logsumexp(1, true), 2, 1);
        }

        @Test
        void norms() {
            Tensor x = Tensor.tensor(3f, -4f);
            assertEquals(5, x.norm().item(), 1e-6);
            assertEquals(7, x.norm(1).item(), 1e-6);
            assertEquals(Math.cbrt(27 + 64), x.norm(3).item(), 1e-5);
            assertEquals(4, x.norm(Double.POSITIVE_INFINITY).item(), 1e-6);
            assertEquals(3, x.norm(Double.NEGATIVE_INFINITY).item(), 1e-6);
            assertEquals(2, Tensor.tensor(3f, 0f, -4f).norm(0).item(), 1e-6);
            assertValues(Tensor.of(new float[][]{{3, 4}, {6, 8}}).norm(2, 1, false), 5, 10);
        }

        @Test
        void argmaxArgminTakeTheFirstOccurrence() {
            assertEquals(1, Tensor.tensor(1f, 3f, 3f, 2f).argmax().itemLong());
            assertEquals(1, Tensor.tensor(2f, 0f, 0f, 5f).argmin().itemLong());
            Tensor x = Tensor.of(new float[][]{{1, 9, 9}, {7, 7, 2}});
            assertArrayEquals(new long[]{1, 0}, x.argmax(1).toLongArray());
            assertArrayEquals(new long[]{1, 0, 0}, x.argmax(0).toLongArray());
            assertArrayEquals(new long[]{0, 2}, x.argmin(-1).toLongArray());
            assertEquals(1, x.argmax().itemLong()); // flattened index of the first 9
            assertShape(x.argmax(1, true), 2, 1);
        }

        @Test
        void badDimMentionsTheRange() {
            Exception e = assertThrows(IndexOutOfBoundsException.class, () -> m23().sum(2));
            assertTrue(e.getMessage().contains("[-2, 1]") && e.getMessage().contains("2"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> m23().max(-3));
            assertThrows(IllegalArgumentException.class, () -> m23().sum(new int[]{1, -1}, false));
        }
    }

    @Nested
    class ViewsAndCopies {
        @Test
        void writingThroughAViewIsVisibleInTheBase() {
            Tensor x = Tensor.zeros(2, 3);
            x.select(1, 1).fill_(7);
            assertValues(x, 0, 7, 0, 0, 7, 0);
            x.t().narrow(0, 2, 1).add_(1);
            assertValues(x, 0, 7, 1, 0, 7, 1);
            x.view(6).slice(0, 0, 6, 3).mul_(0).add_(5);
            assertValues(x, 5, 7, 1, 5, 7, 1);
            assertSame(x.storage(), x.t().storage());
            assertTrue(x.t().isView());
        }

        @Test
        void viewResultsShareStorage() {
            Tensor x = m23();
            for (Tensor v : new Tensor[]{x.view(3, 2), x.reshape(6), x.t(), x.unsqueeze(0), x.expand(4, 2, 3), x.narrow(1, 0, 2),
                    x.select(0, 1), x.slice(1, 0, 3, 2), x.permute(1, 0), x.flatten(), x.split(1, 0)[1], x.chunk(3, 1)[2]}) {
                assertSame(x.storage(), v.storage(), () -> "shape " + java.util.Arrays.toString(v.shape()));
            }
        }

        @Test
        void contiguousCopiesOnlyWhenNeeded() {
            Tensor x = m23();
            assertSame(x, x.contiguous());
            Tensor t = x.t();
            assertFalse(t.isContiguous());
            Tensor c = t.contiguous();
            assertTrue(c.isContiguous());
            assertNotSame(x.storage(), c.storage());
            assertValues(c, 1, 4, 2, 5, 3, 6);
            assertArrayEquals(new int[]{2, 1}, c.strides());
        }

        @Test
        void reshapeOfNonContiguousCopies() {
            Tensor t = m23().t();
            Tensor r = t.reshape(6);
            assertNotSame(t.storage(), r.storage());
            assertValues(r, 1, 4, 2, 5, 3, 6);
            // Splitting one dim is still a view, even when non-contiguous.
            Tensor s = t.reshape(3, 2, 1);
            assertSame(t.storage(), s.storage());
        }

        @Test
        void viewOfNonContiguousFailsClearly() {
            Exception e = assertThrows(IllegalArgumentException.class, () -> m23().t().view(6));
            assertTrue(e.getMessage().contains("view") && e.getMessage().contains("reshape"), e.getMessage());
            Exception bad = assertThrows(IllegalArgumentException.class, () -> m23().view(4, 2));
            assertTrue(bad.getMessage().contains("[4, 2]") && bad.getMessage().contains("6"), bad.getMessage());
        }

        @Test
        void shapeOps() {
            Tensor x = m23();
            assertShape(x.view(-1, 2), 3, 2);
            assertShape(x.unsqueeze(-1), 2, 3, 1);
            assertShape(x.unsqueeze(0).unsqueeze(2).squeeze(), 2, 3);
            assertShape(x.unsqueeze(0).squeeze(1), 1, 2, 3);
            assertShape(Tensor.zeros(2, 3, 4).transpose(0, 2), 4, 3, 2);
            assertShape(Tensor.zeros(2, 3, 4).permute(1, 2, 0), 3, 4, 2);
            assertShape(Tensor.zeros(2, 3, 4).flatten(0, 1), 6, 4);
            assertValues(x.t(), 1, 4, 2, 5, 3, 6);
            assertValues(x.permute(1, 0).reshape(2, 3), 1, 4, 2, 5, 3, 6);
            Tensor e = Tensor.tensor(1f, 2f).unsqueeze(1).expand(2, 3);
            assertValues(e, 1, 1, 1, 2, 2, 2);
            assertArrayEquals(new int[]{1, 0}, e.strides());
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).expand(4, 3));
        }

        @Test
        void slicing() {
            Tensor x = Tensor.arange(0, 10, 1, DType.FLOAT32);
            assertValues(x.slice(0, 1, 8, 3), 1, 4, 7);
            assertValues(x.slice(0, -3, 100), 7, 8, 9);
            assertValues(x.narrow(0, 2, 3), 2, 3, 4);
            assertEquals(9, x.select(0, -1).item());
            assertEquals(0, x.slice(0, 5, 2).numel());
            Tensor m = x.reshape(2, 5);
            assertValues(m.get(1), 5, 6, 7, 8, 9);
            assertValues(m.select(1, 2), 2, 7);
            assertValues(m.slice(1, 0, 5, 2).slice(0, 1, 2), 5, 7, 9);
            assertThrows(IndexOutOfBoundsException.class, () -> m.select(0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> m.narrow(1, 3, 3));
        }

        @Test
        void catStackSplitChunk() {
            Tensor a = Tensor.of(new float[][]{{1, 2}}), b = Tensor.of(new float[][]{{3, 4}, {5, 6}});
            Tensor c = Tensor.cat(0, a, b);
            assertShape(c, 3, 2);
            assertValues(c, 1, 2, 3, 4, 5, 6);
            assertValues(Tensor.cat(1, b, b.mul(10)), 3, 4, 30, 40, 5, 6, 50, 60);
            Tensor s = Tensor.stack(1, Tensor.tensor(1f, 2f), Tensor.tensor(3f, 4f));
            assertShape(s, 2, 2);
            assertValues(s, 1, 3, 2, 4);
            assertEquals(DType.FLOAT32, Tensor.cat(0, Tensor.tensor(1L), Tensor.tensor(0.5f)).dtype());
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, Tensor.zeros(1, 2), Tensor.zeros(1, 3)));
            assertTrue(e.getMessage().contains("[1, 3]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Tensor.stack(0, Tensor.zeros(2), Tensor.zeros(3)));

            Tensor x = Tensor.arange(0, 7, 1, DType.FLOAT32);
            Tensor[] parts = x.split(3, 0);
            assertEquals(3, parts.length);
            assertValues(parts[2], 6);
            Tensor[] sized = x.split(new int[]{2, 5}, 0);
            assertValues(sized[0], 0, 1);
            assertThrows(IllegalArgumentException.class, () -> x.split(new int[]{2, 2}, 0));
            Tensor[] chunks = x.chunk(3, 0); // ceil(7/3) = 3: sizes 3, 3, 1
            assertEquals(3, chunks.length);
            assertShape(chunks[1], 3);
            assertValues(chunks[1], 3, 4, 5);
        }

        @Test
        void catOfScalarsIsRefused() {
            assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, Tensor.scalar(1), Tensor.scalar(2)));
        }
    }

    @Nested
    class MatrixProducts {
        @Test
        void mmValues() {
            Tensor a = Tensor.of(new float[][]{{1, 2}, {3, 4}}), b = Tensor.of(new float[][]{{5, 6}, {7, 8}});
            assertValues(a.mm(b), 19, 22, 43, 50);
            assertValues(a.t().mm(b), 26, 30, 38, 44);     // [[1,3],[2,4]] @ b
            assertValues(a.mm(b.t()), 17, 23, 39, 53);     // a @ [[5,7],[6,8]]
            assertValues(a.mv(Tensor.tensor(1f, -1f)), -1, -1);
            assertEquals(1 * 4 + 2 * 5 + 3 * 6, Tensor.tensor(1f, 2f, 3f).dot(Tensor.tensor(4f, 5f, 6f)).item(), 1e-6);
            assertValues(Tensor.tensor(1f, 2f).outer(Tensor.tensor(3f, 4f, 5f)), 3, 4, 5, 6, 8, 10);
        }

        @Test
        void matmulShapes() {
            assertShape(Tensor.zeros(3).matmul(Tensor.zeros(3)));
            assertShape(Tensor.zeros(2, 3).matmul(Tensor.zeros(3)), 2);
            assertShape(Tensor.zeros(3).matmul(Tensor.zeros(3, 4)), 4);
            assertShape(Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(4, 5)), 2, 3, 5);
            assertShape(Tensor.zeros(3, 4).matmul(Tensor.zeros(2, 4, 5)), 2, 3, 5);
            assertShape(Tensor.zeros(2, 1, 3, 4).matmul(Tensor.zeros(5, 4, 2)), 2, 5, 3, 2);
            assertShape(Tensor.zeros(4).matmul(Tensor.zeros(2, 4, 5)), 2, 5);
            assertShape(Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(4)), 2, 3);
        }

        @Test
        void batchedBroadcastValues() {
            // Batch 0 of a is the identity, batch 1 is 2 * identity; b is shared.
            Tensor a = Tensor.stack(0, Tensor.eye(2), Tensor.eye(2).mul(2));
            Tensor b = Tensor.of(new float[][]{{1, 2}, {3, 4}});
            assertValues(a.matmul(b), 1, 2, 3, 4, 2, 4, 6, 8);
            assertValues(b.matmul(a), 1, 2, 3, 4, 2, 4, 6, 8);
            assertValues(a.bmm(a), 1, 0, 0, 1, 4, 0, 0, 4);
        }

        @Test
        void shapeMismatchNamesTheShapes() {
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).mm(Tensor.zeros(4, 5)));
            assertTrue(e.getMessage().contains("2x3 and 4x5"), e.getMessage());
            Exception m = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
            assertTrue(m.getMessage().contains("2x3 and 4x5"), m.getMessage());
            Exception b = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 2, 3).matmul(Tensor.zeros(2, 4, 5)));
            assertTrue(b.getMessage().contains("[2, 2, 3]") && b.getMessage().contains("[2, 4, 5]"), b.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).dot(Tensor.zeros(4)));
            assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1).matmul(Tensor.zeros(1)));
        }
    }

    @Nested
    class InPlace {
        @Test
        void arithmeticInPlaceReturnsThis() {
            Tensor x = Tensor.tensor(1f, 2f, 3f);
            assertSame(x, x.add_(1));
            assertValues(x, 2, 3, 4);
            x.mul_(Tensor.tensor(2f, 0.5f, -1f));
            assertValues(x, 4, 1.5, -4);
            x.sub_(1).div_(2);
            assertValues(x, 1.5, 0.25, -2.5);
            x.add_(Tensor.tensor(1f, 1f, 1f), 2);
            assertValues(x, 3.5, 2.25, -0.5);
            x.clamp_(0, 3);
            assertValues(x, 3, 2.25, 0);
            x.zero_();
            assertValues(x, 0, 0, 0);
            x.fill_(2.5);
            assertValues(x, 2.5, 2.5, 2.5);
        }

        @Test
        void inPlaceBroadcastsTheOtherOperandOnly() {
            Tensor x = Tensor.zeros(2, 3);
            x.add_(Tensor.tensor(1f, 2f, 3f));
            assertValues(x, 1, 2, 3, 1, 2, 3);
            Exception e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).add_(Tensor.zeros(2, 3)));
            assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        }

        @Test
        void copyBroadcastsAndConverts() {
            Tensor x = Tensor.zeros(2, 3);
            x.copy_(Tensor.tensor(1L, 2L, 3L));
            assertEquals(DType.FLOAT32, x.dtype());
            assertValues(x, 1, 2, 3, 1, 2, 3);
            Tensor ints = Tensor.zeros(new int[]{2}, DType.INT64);
            ints.copy_(Tensor.tensor(2.9f, -1.5f));
            assertArrayEquals(new long[]{2, -1}, ints.toLongArray());
            // Into a strided view.
            Tensor m = Tensor.zeros(2, 2);
            m.t().copy_(Tensor.of(new float[][]{{1, 2}, {3, 4}}));
            assertValues(m, 1, 3, 2, 4);
        }

        @Test
        void inPlaceOnIntegersRefusesAFloatResult() {
            Tensor x = Tensor.tensor(1L, 2L);
            assertThrows(IllegalArgumentException.class, () -> x.div_(2));
            assertThrows(IllegalArgumentException.class, () -> x.add_(0.5));
            x.mul_(3);
            assertArrayEquals(new long[]{3, 6}, x.toLongArray());
        }

        @Test
        void opResultsNeverAliasTheirInput() {
            Tensor x = Tensor.tensor(1f, 2f);
            x.pow(1).add_(10);
            x.contiguous().clone().add_(10);
            x.to(DType.FLOAT32).clone().mul_(0);
            assertValues(x, 1, 2);
        }

        @Test
        void inPlaceBumpsTheVersion() {
            Tensor x = Tensor.zeros(3);
            Tensor v = x.narrow(0, 0, 2);
            int before = x.version();
            v.add_(1);
            assertTrue(x.version() > before, "a write through a view bumps the shared version counter");
        }
    }

    @Nested
    class Comparison {
        @Test
        void equalNeedsSameShapeAndValues() {
            assertTrue(m23().equal(m23()));
            assertFalse(m23().equal(m23().reshape(3, 2)));
            assertFalse(m23().equal(m23().add(1e-3)));
        }

        @Test
        void allcloseUsesTolerances() {
            Tensor a = Tensor.tensor(1f, 100f);
            assertTrue(a.allclose(Tensor.tensor(1f + 1e-6f, 100.0005f)));
            assertFalse(a.allclose(Tensor.tensor(1.01f, 100f)));
            assertTrue(a.allclose(Tensor.tensor(1.01f, 100f), 0.02, 0));
            Tensor nan = Tensor.tensor(Float.NaN);
            assertFalse(nan.allclose(nan));
        }
    }

    @Test
    void itemNeedsOneElement() {
        Exception e = assertThrows(IllegalStateException.class, () -> m23().item());
        assertTrue(e.getMessage().contains("6"), e.getMessage());
        assertEquals(5, m23().get(1).get(1).item());
    }
}
